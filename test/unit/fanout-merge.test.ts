// The gateway's merge of fanned-out listings: union over nodes, de-duplication, order, pagination, names asked for.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsError } from "../../src/api/aws-error.ts";
import { mergeListings } from "../../src/api/fanout-merge.ts";
import { routes, type FanoutRoute } from "../../src/api/routes.ts";

const types = routes.ec2.DescribeInstanceTypes as FanoutRoute;
const zones = routes.ec2.DescribeAvailabilityZones as FanoutRoute;
const item = (InstanceType: string, node: string) => ({ InstanceType, node });

test("merges every node's list, keeps the first copy of a duplicate, sorts by key", () => {
  const out = mergeListings(types, [{ InstanceTypes: [item("t3.small", "a"), item("m5.large", "a")] }, { InstanceTypes: [item("t3.small", "b"), item("c5.large", "b")] }], {});
  assert.deepEqual(out, { InstanceTypes: [item("c5.large", "b"), item("m5.large", "a"), item("t3.small", "a")] });
});

test("pages through the merged list with NextToken until it is exhausted", () => {
  const names = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, "0")}.large`);
  const outputs = [{ InstanceTypes: names.slice(0, 7).map((n) => item(n, "a")) }, { InstanceTypes: names.slice(5).map((n) => item(n, "b")) }];
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = mergeListings(types, outputs, { MaxResults: 5, NextToken: token });
    seen.push(...(page.InstanceTypes as Array<{ InstanceType: string }>).map((t) => t.InstanceType));
    token = page.NextToken as string | undefined;
    pages++;
  } while (token);
  assert.deepEqual(seen, names);
  assert.equal(pages, 3);
});

test("a forged NextToken is InvalidParameterValue", () => {
  const outputs = [{ InstanceTypes: [item("t3.micro", "a")] }];
  for (const input of [{ NextToken: "not-a-token" }, { NextToken: Buffer.from('{"after":1}').toString("base64url") }]) {
    assert.throws(() => mergeListings(types, outputs, input), (e: unknown) => e instanceof AwsError && e.code === "InvalidParameterValue");
  }
});

test("a zone asked for by name or id that no node returned is an error naming it", () => {
  const outputs = [{ AvailabilityZones: [{ ZoneName: "us-east-1a", ZoneId: "use1-az1" }] }];
  assert.equal((mergeListings(zones, outputs, { ZoneNames: ["us-east-1a"] }).AvailabilityZones as unknown[]).length, 1);
  assert.throws(() => mergeListings(zones, outputs, { ZoneNames: ["us-east-1a", "us-east-1b"] }), /us-east-1b/);
  assert.throws(() => mergeListings(zones, outputs, { ZoneIds: ["use1-az9"] }), /use1-az9/);
});
