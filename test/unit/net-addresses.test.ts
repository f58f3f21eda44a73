// Guest addresses and the bridge network's layout: lowest free address, no duplicates, release, CIDR checks, rules.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bridgeNetwork, lowestFree, MemoryAddressBook, tapNameFor } from "../../src/net/index.ts";
import { overlaps, parseCidr } from "../../src/net/ipv4.ts";
import { portGuardRules } from "../../src/net/port-guard.ts";

test("the lowest free address skips the network, the gateway and the broadcast address", () => {
  assert.equal(lowestFree("10.73.0.0/24", []), "10.73.0.2");
  assert.equal(lowestFree("10.73.0.0/24", ["10.73.0.2", "10.73.0.4"]), "10.73.0.3");
  assert.equal(lowestFree("10.73.0.0/29", ["10.73.0.2", "10.73.0.3", "10.73.0.4", "10.73.0.5"]), "10.73.0.6");
  assert.equal(lowestFree("10.73.0.0/29", ["10.73.0.2", "10.73.0.3", "10.73.0.4", "10.73.0.5", "10.73.0.6"]), undefined, ".7 is the broadcast");
});

test("an address book never hands an address out twice while it is allocated, and reuses it once released", () => {
  const book = new MemoryAddressBook("10.73.0.0/24", [{ ip: "10.73.0.2", instanceId: "i-a" }]);
  assert.equal(book.take("i-b"), "10.73.0.3");
  assert.equal(book.take("i-c"), "10.73.0.4");
  assert.equal(book.take("i-b"), "10.73.0.3", "taking again returns the held address");
  const ips = book.allocated().map((a) => a.ip);
  assert.equal(new Set(ips).size, ips.length);
  book.release("i-b");
  book.release("i-gone");
  assert.equal(book.take("i-d"), "10.73.0.3", "the lowest freed address comes back first");
  assert.deepEqual(book.allocated().find((a) => a.instanceId === "i-b"), undefined);
});

test("a full network is CapacityExhausted, and a persisted list with duplicates is refused", () => {
  const book = new MemoryAddressBook("10.73.0.0/30");
  assert.equal(book.take("i-a"), "10.73.0.2");
  assert.throws(() => book.take("i-b"), { name: "HiveError(CapacityExhausted)" });
  assert.throws(() => new MemoryAddressBook("10.73.0.0/24", [{ ip: "10.73.0.2", instanceId: "i-a" }, { ip: "10.73.0.2", instanceId: "i-b" }]), /allocated twice/);
  assert.throws(() => new MemoryAddressBook("10.73.0.0/24", [{ ip: "10.74.0.2", instanceId: "i-a" }]), /not in/);
});

test("the bridge network's layout: gateway .1, refused CIDRs", () => {
  assert.deepEqual(bridgeNetwork(), { name: "hivebr0", cidr: "10.73.0.0/24", prefix: 24, gateway: "10.73.0.1", metadataIp: "169.254.169.254" });
  assert.throws(() => bridgeNetwork({ cidr: "10.73.0.5/24" }), /host bits/);
  assert.throws(() => bridgeNetwork({ cidr: "10.73.0.0/30" }), /too small/);
  assert.throws(() => bridgeNetwork({ cidr: "169.254.0.0/16" }), /metadata/);
  assert.throws(() => bridgeNetwork({ name: "br0; rm -rf /" }), /interface name/);
  assert.ok(overlaps(parseCidr("10.0.0.0/8"), parseCidr("10.73.0.0/24")));
  assert.ok(!overlaps(parseCidr("10.73.1.0/24"), parseCidr("10.73.0.0/24")));
});

test("tap names are stable per instance and fit Linux's 15 characters; guard rules take only checked values", () => {
  assert.equal(tapNameFor("i-0123456789abcdef0"), tapNameFor("i-0123456789abcdef0"));
  assert.match(tapNameFor("i-0123456789abcdef0"), /^hvt-[0-9a-f]{8}$/);
  const rules = portGuardRules({ name: "hvt-0000abcd", mac: "52:54:00:aa:bb:cc", ip: "10.73.0.5" });
  assert.match(rules, /ether saddr != 52:54:00:aa:bb:cc drop/);
  assert.match(rules, /ip saddr 10\.73\.0\.5 accept/);
  assert.throws(() => portGuardRules({ name: "hvt-x\"; flush ruleset", mac: "52:54:00:aa:bb:cc", ip: "10.73.0.5" }), /guest port/);
  assert.throws(() => portGuardRules({ name: "hvt-0000abcd", mac: "52:54:00:aa:bb", ip: "10.73.0.5" }), /MAC/);
  assert.throws(() => portGuardRules({ name: "hvt-0000abcd", mac: "52:54:00:aa:bb:cc", ip: "10.73.0" }), /IPv4/);
});
