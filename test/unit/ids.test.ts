// The one resource id module: new ids carry 17 hex digits, checks accept EC2's old 8-digit form too.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isId, newId } from "../../src/runtime/index.ts";

test("a new id is the prefix, a dash and 17 lowercase hex digits", () => {
  for (const prefix of ["i", "vol", "ami", "r", "key"]) {
    const id = newId(prefix);
    assert.match(id, new RegExp(`^${prefix}-[0-9a-f]{17}$`));
    assert.ok(isId(prefix, id));
  }
});

test("accepts the old 8-digit form and rejects other lengths, capitals and another prefix", () => {
  assert.ok(isId("i", "i-1234abcd"));
  assert.ok(isId("vol", "vol-0123456789abcdef0"));
  assert.ok(!isId("i", "i-1234abc"));
  assert.ok(!isId("i", "i-0123456789abcdef"));
  assert.ok(!isId("i", "i-1234ABCD"));
  assert.ok(!isId("vol", "i-1234abcd"));
  assert.ok(!isId("i", "ami-1234abcd"));
  assert.ok(!isId("i", "x/i-1234abcd"));
});
