// IPv4 blocks and port names: parsing with host bits refused, overlap, and tap names that fit Linux's limit.

import assert from "node:assert/strict";
import { test } from "node:test";
import { overlaps, parseCidr, tapNameFor } from "../../src/net/index.ts";

test("CIDR blocks: host bits refused, overlap both ways", () => {
  assert.throws(() => parseCidr("10.73.0.5/24"), /host bits/);
  assert.throws(() => parseCidr("10.73.0.0/33"), /not an IPv4 CIDR/);
  assert.ok(overlaps(parseCidr("10.0.0.0/8"), parseCidr("10.73.0.0/24")));
  assert.ok(overlaps(parseCidr("10.73.0.0/24"), parseCidr("10.0.0.0/8")));
  assert.ok(!overlaps(parseCidr("10.73.1.0/24"), parseCidr("10.73.0.0/24")));
});

test("tap names are stable per instance and fit Linux's 15 characters", () => {
  assert.equal(tapNameFor("i-0123456789abcdef0"), tapNameFor("i-0123456789abcdef0"));
  assert.notEqual(tapNameFor("i-0123456789abcdef0"), tapNameFor("i-0123456789abcdef1"));
  assert.match(tapNameFor("i-0123456789abcdef0"), /^hvt-[0-9a-f]{8}$/);
});
