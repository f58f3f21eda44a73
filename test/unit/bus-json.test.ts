// The bus's JSON: binary blobs survive the trip as bytes, everything else as plain JSON.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeJson, encodeJson } from "../../src/bus/index.ts";

test("Uint8Array and Buffer values come back as Uint8Array, sent as base64", () => {
  const wire = encodeJson({ key: new Uint8Array([0, 1, 254, 255]), buf: Buffer.from("ssh-ed25519 AAAA"), list: [new Uint8Array([7])], text: "x" });
  assert.match(new TextDecoder().decode(wire), /"\$bytes":"AAH\+\/w=="/);
  const back = decodeJson<{ key: Uint8Array; buf: Uint8Array; list: Uint8Array[]; text: string }>(wire);
  assert.deepEqual([...back.key], [0, 1, 254, 255]);
  assert.equal(Buffer.from(back.buf).toString(), "ssh-ed25519 AAAA");
  assert.deepEqual([...back.list[0]!], [7]);
  assert.equal(back.text, "x");
});

test("an object that merely has a $bytes field among others stays an object", () => {
  assert.deepEqual(decodeJson(encodeJson({ v: { $bytes: "AA==", other: 1 } })), { v: { $bytes: "AA==", other: 1 } });
});

test("a message without blobs takes the plain path and comes back equal, strings named $bytes included", () => {
  const value = { Tags: [{ Key: "$bytes", Value: '"$bytes"' }], n: [1, null, { a: [true] }], s: "x" };
  const wire = encodeJson(value);
  assert.equal(new TextDecoder().decode(wire), JSON.stringify(value));
  assert.deepEqual(decodeJson(wire), value);
});

test("a blob deep in a large listing is still found on both sides", () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ Id: `i-${i}`, Tags: [{ Key: "k", Value: String(i) }] }));
  const value = { Items: items, Last: { Deep: [{ Data: new Uint8Array([9, 8]) }] } };
  const back = decodeJson<typeof value>(encodeJson(value));
  assert.ok(back.Last.Deep[0]!.Data instanceof Uint8Array);
  assert.deepEqual([...back.Last.Deep[0]!.Data], [9, 8]);
  assert.equal(back.Items.length, 2000);
});
