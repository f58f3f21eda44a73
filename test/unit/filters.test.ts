// The EC2 filter engine: wildcards, escapes, OR within a filter, AND across filters, value coercion, unknown names.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HiveError } from "../../src/errors/index.ts";
import { applyFilters, wildcardPattern, type FilterFields } from "../../src/daemon/index.ts";

interface Item {
  name: string;
  size: number;
  burst: boolean;
  tags: string[];
  note?: string;
}

const items: Item[] = [
  { name: "t3.micro", size: 1024, burst: true, tags: ["a", "b"] },
  { name: "t3.small", size: 2048, burst: true, tags: ["b"] },
  { name: "m5.large", size: 8192, burst: false, tags: [], note: "x*y" },
  { name: "T3.MICRO", size: 1024, burst: false, tags: ["c"], note: "x?y" },
];

const fields: FilterFields<Item> = {
  name: (i) => i.name,
  size: (i) => i.size,
  burst: (i) => i.burst,
  tag: (i) => i.tags,
  note: (i) => i.note,
};

const names = (filters: { Name: string; Values: string[] }[]): string[] =>
  applyFilters(items, filters, fields).map((i) => i.name);

test("no filters keeps every item", () => {
  assert.equal(applyFilters(items, undefined, fields).length, 4);
  assert.equal(applyFilters(items, [], fields).length, 4);
});

test("exact values are case-sensitive", () => {
  assert.deepEqual(names([{ Name: "name", Values: ["t3.micro"] }]), ["t3.micro"]);
  assert.deepEqual(names([{ Name: "name", Values: ["T3.micro"] }]), []);
});

test("* matches any run of characters, including none", () => {
  assert.deepEqual(names([{ Name: "name", Values: ["t3.*"] }]), ["t3.micro", "t3.small"]);
  assert.deepEqual(names([{ Name: "name", Values: ["*"] }]), ["t3.micro", "t3.small", "m5.large", "T3.MICRO"]);
  assert.deepEqual(names([{ Name: "name", Values: ["t3.micro*"] }]), ["t3.micro"]);
  assert.deepEqual(names([{ Name: "name", Values: ["*.*l*"] }]), ["t3.small", "m5.large"]);
});

test("? matches exactly one character", () => {
  assert.deepEqual(names([{ Name: "name", Values: ["t?.micro"] }]), ["t3.micro"]);
  assert.deepEqual(names([{ Name: "name", Values: ["t3.smal?"] }]), ["t3.small"]);
  assert.deepEqual(names([{ Name: "name", Values: ["t3.smal??"] }]), []);
});

test("dots and other RegExp characters are literal", () => {
  assert.deepEqual(names([{ Name: "name", Values: ["t3xmicro"] }]), []);
  assert.equal(wildcardPattern("a+b(c)[d]$").test("a+b(c)[d]$"), true);
});

test("backslash escapes * and ? and itself", () => {
  assert.deepEqual(names([{ Name: "note", Values: ["x\\*y"] }]), ["m5.large"]);
  assert.deepEqual(names([{ Name: "note", Values: ["x\\?y"] }]), ["T3.MICRO"]);
  assert.deepEqual(names([{ Name: "note", Values: ["x*y"] }]), ["m5.large", "T3.MICRO"]);
  assert.equal(wildcardPattern("a\\\\b").test("a\\b"), true);
  assert.equal(wildcardPattern("a\\\\*").test("a\\anything"), true);
  // A trailing lone backslash stands for itself.
  assert.equal(wildcardPattern("a\\").test("a\\"), true);
});

test("values within one filter are OR'd", () => {
  assert.deepEqual(names([{ Name: "name", Values: ["t3.small", "m5.*"] }]), ["t3.small", "m5.large"]);
});

test("separate filters are AND'd", () => {
  assert.deepEqual(
    names([
      { Name: "name", Values: ["t3.*", "T3.*"] },
      { Name: "size", Values: ["1024"] },
    ]),
    ["t3.micro", "T3.MICRO"],
  );
  assert.deepEqual(
    names([
      { Name: "size", Values: ["1024"] },
      { Name: "burst", Values: ["true"] },
    ]),
    ["t3.micro"],
  );
});

test("booleans compare as true/false, numbers as decimal strings", () => {
  assert.deepEqual(names([{ Name: "burst", Values: ["false"] }]), ["m5.large", "T3.MICRO"]);
  assert.deepEqual(names([{ Name: "burst", Values: ["True"] }]), []);
  assert.deepEqual(names([{ Name: "size", Values: ["8192"] }]), ["m5.large"]);
  assert.deepEqual(names([{ Name: "size", Values: ["20*"] }]), ["t3.small"]);
  const halves = applyFilters([{ v: 0.5 }, { v: 2.5 }], [{ Name: "v", Values: ["0.5"] }], { v: (i) => i.v });
  assert.deepEqual(halves, [{ v: 0.5 }]);
});

test("array fields match when any element matches", () => {
  assert.deepEqual(names([{ Name: "tag", Values: ["b"] }]), ["t3.micro", "t3.small"]);
  assert.deepEqual(names([{ Name: "tag", Values: ["*"] }]), ["t3.micro", "t3.small", "T3.MICRO"]);
});

test("a missing field matches nothing, not even *", () => {
  assert.deepEqual(names([{ Name: "note", Values: ["*"] }]), ["m5.large", "T3.MICRO"]);
});

test("an unknown filter name is an InvalidParameter on Filter", () => {
  for (const bad of ["nope", "constructor", "toString", ""]) {
    assert.throws(
      () => applyFilters(items, [{ Name: bad, Values: ["x"] }], fields),
      (err: unknown) =>
        err instanceof HiveError &&
        err.kind === "InvalidParameter" &&
        err.param === "Filter" &&
        err.message === `The filter '${bad}' is invalid`,
    );
  }
});

test("an unknown filter is rejected even when there are no items", () => {
  assert.throws(() => applyFilters([], [{ Name: "nope", Values: ["x"] }], fields), HiveError);
});

test("a filter without values is rejected", () => {
  assert.throws(
    () => applyFilters(items, [{ Name: "name", Values: [] }], fields),
    (err: unknown) => err instanceof HiveError && err.kind === "InvalidParameter" && err.param === "Filter",
  );
});
