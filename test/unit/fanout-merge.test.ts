// The gateway's merge of fanned-out replies: union over nodes, de-duplication, order, pagination, names asked for,
// and honesty about nodes that did not answer: an id only a silent node could hold is Unavailable, never NotFound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogue, type Merge, type Travel } from "../../src/actions/index.ts";
import { AwsError, awsErrorFromDomain } from "../../src/api/aws-error.ts";
import { mergeListings, mergeReplies } from "../../src/api/fanout-merge.ts";
import { HiveError } from "../../src/errors/index.ts";

const travelOf = (action: keyof typeof catalogue.ec2): Travel => catalogue.ec2[action].travel;
const mergeOf = (action: keyof typeof catalogue.ec2): Merge => {
  const t = travelOf(action);
  assert.ok("merge" in t && t.merge, `${action} merges listings`);
  return t.merge;
};
const types = mergeOf("DescribeInstanceTypes");
// Names asked for that no node returned (a listing whose items each node knows only in part, as zones once were).
const zones: Merge = {
  list: "AvailabilityZones",
  key: "ZoneName",
  named: [
    { param: "ZoneNames", field: "ZoneName", message: (n) => `The zone '${n}' does not exist` },
    { param: "ZoneIds", field: "ZoneId", message: (n) => `The zone ID '${n}' does not exist` },
  ],
};
const item = (InstanceType: string, node: string) => ({ InstanceType, node });

/** A node's DescribeInstances reply: one reservation per instance it holds, and the asked ids it holds. */
const instancesReply = (ids: string[], asked: string[] = []) => ({
  Reservations: ids.map((id) => ({ ReservationId: `r-${id.slice(2)}`, Instances: [{ InstanceId: id }] })),
  _owned: ids.filter((id) => asked.includes(id)),
});
const A = "i-0aaaaaaaaaaaaaaaa";
const B = "i-0bbbbbbbbbbbbbbbb";

const isUnavailableNaming = (node: string) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
  assert.equal(err.kind, "Unavailable");
  assert.match(err.message, new RegExp(node));
  return true;
};
const isAwsError = (code: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (message) assert.match(err.message, message);
  return true;
};

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

test("a forged NextToken is InvalidParameterValue naming NextToken", () => {
  const outputs = [{ InstanceTypes: [item("t3.micro", "a")] }];
  for (const input of [{ NextToken: "not-a-token" }, { NextToken: Buffer.from('{"after":1}').toString("base64url") }]) {
    assert.throws(
      () => mergeListings(types, outputs, input),
      (e: unknown) => {
        const aws = e instanceof HiveError ? awsErrorFromDomain(e) : e;
        return aws instanceof AwsError && aws.code === "InvalidParameterValue" && /NextToken/.test(aws.message);
      },
    );
  }
});

test("a zone asked for by name or id that no node returned is an error naming it", () => {
  const outputs = [{ AvailabilityZones: [{ ZoneName: "us-east-1a", ZoneId: "use1-az1" }] }];
  assert.equal((mergeListings(zones, outputs, { ZoneNames: ["us-east-1a"] }).AvailabilityZones as unknown[]).length, 1);
  assert.throws(() => mergeListings(zones, outputs, { ZoneNames: ["us-east-1a", "us-east-1b"] }), /us-east-1b/);
  assert.throws(() => mergeListings(zones, outputs, { ZoneIds: ["use1-az9"] }), /use1-az9/);
});

// --- a node that did not answer

test("DescribeInstances of an id only a silent node could hold is Unavailable naming that node, not NotFound", () => {
  const input = { InstanceIds: [B] };
  const answered = [instancesReply([A], input.InstanceIds)];
  assert.throws(() => mergeReplies(travelOf("DescribeInstances"), answered, input, ["node-2"]), isUnavailableNaming("node-2"));
  // Several silent nodes are all named.
  assert.throws(() => mergeReplies(travelOf("DescribeInstances"), answered, input, ["node-2", "node-3"]), isUnavailableNaming("node-2, node-3"));
});

test("DescribeInstances of the same id with every node answered is InvalidInstanceID.NotFound", () => {
  const input = { InstanceIds: [B] };
  const answered = [instancesReply([A], input.InstanceIds), instancesReply([], input.InstanceIds)];
  assert.throws(() => mergeReplies(travelOf("DescribeInstances"), answered, input, []), isAwsError("InvalidInstanceID.NotFound", new RegExp(B)));
});

test("DescribeInstances of ids the answering nodes hold answers even while another node is silent", () => {
  const input = { InstanceIds: [A] };
  const out = mergeReplies(travelOf("DescribeInstances"), [instancesReply([A], input.InstanceIds)], input, ["node-2"]);
  assert.deepEqual(out, { Reservations: instancesReply([A]).Reservations });
});

test("an owner action (GetConsoleOutput) whose holder is silent is Unavailable; with every node answered, NotFound", () => {
  const travel = travelOf("GetConsoleOutput");
  assert.equal(travel.kind, "owner");
  const input = { InstanceId: B };
  const notMine = { _owned: [] };
  assert.throws(() => mergeReplies(travel, [notMine], input, ["node-2"]), isUnavailableNaming("node-2"));
  assert.throws(() => mergeReplies(travel, [notMine, notMine], input, []), isAwsError("InvalidInstanceID.NotFound", new RegExp(B)));
  // The holder's reply is the answer, without the ownership note.
  const mine = { InstanceId: B, Output: "Ym9vdA==", _owned: [B] };
  assert.deepEqual(mergeReplies(travel, [notMine, mine], input, ["node-3"]), { InstanceId: B, Output: "Ym9vdA==" });
});

test("an owners action (StopInstances) with an id only a silent node could hold is Unavailable", () => {
  const input = { InstanceIds: [A, B] };
  const stopped = { StoppingInstances: [{ InstanceId: A }], _owned: [A] };
  assert.throws(() => mergeReplies(travelOf("StopInstances"), [stopped], input, ["node-2"]), isUnavailableNaming("node-2"));
  assert.throws(() => mergeReplies(travelOf("StopInstances"), [stopped], input, []), isAwsError("InvalidInstanceID.NotFound", new RegExp(B)));
});

test("a listing with a silent node answers with what the others sent", () => {
  const out = mergeReplies(travelOf("DescribeInstances"), [instancesReply([B]), instancesReply([A])], {}, ["node-3"]);
  assert.deepEqual(
    (out.Reservations as Array<{ Instances: Array<{ InstanceId: string }> }>).map((r) => r.Instances[0]!.InstanceId),
    [A, B],
  );
  const listed = mergeReplies(travelOf("DescribeInstanceTypes"), [{ InstanceTypes: [item("t3.micro", "a")] }], {}, ["node-2"]);
  assert.deepEqual(listed, { InstanceTypes: [item("t3.micro", "a")] });
});

test("a zone asked for by name while a node is silent is Unavailable naming the node; found zones still answer", () => {
  const travel: Travel = { kind: "every", merge: zones };
  const outputs = [{ AvailabilityZones: [{ ZoneName: "us-east-1a", ZoneId: "use1-az1" }] }];
  assert.throws(() => mergeReplies(travel, outputs, { ZoneNames: ["us-east-1b"] }, ["node-2"]), isUnavailableNaming("node-2"));
  assert.throws(() => mergeReplies(travel, outputs, { ZoneIds: ["use1-az2"] }, ["node-2"]), isUnavailableNaming("node-2"));
  assert.equal((mergeReplies(travel, outputs, { ZoneNames: ["us-east-1a"] }, ["node-2"]).AvailabilityZones as unknown[]).length, 1);
  assert.throws(() => mergeReplies(travel, outputs, { ZoneNames: ["us-east-1b"] }, []), isAwsError("InvalidParameterValue", /us-east-1b/));
});

test("a reservation placement spread over several nodes is one reservation with every node's instances", () => {
  const travel = travelOf("DescribeInstances");
  const part = (node: string, ids: string[]) => ({
    Reservations: [{ ReservationId: "r-0123456789abcdef0", Instances: ids.map((InstanceId) => ({ InstanceId, node, AmiLaunchIndex: Number(InstanceId.slice(2)) - 1 })) }],
  });
  // In launch-index order, whatever order the nodes answered in.
  const merged = mergeReplies(travel, [part("b", ["i-3", "i-4"]), part("c", ["i-5"]), part("a", ["i-1", "i-2"])], {});
  const reservations = merged.Reservations as Array<{ ReservationId: string; Instances: Array<{ InstanceId: string }> }>;
  assert.equal(reservations.length, 1);
  assert.deepEqual(reservations[0]!.Instances.map((i) => i.InstanceId), ["i-1", "i-2", "i-3", "i-4", "i-5"]);
});

test("a batch action answering each id (ModifyInstanceCreditSpecification) lists ids nobody holds as Unsuccessful", () => {
  const travel = travelOf("ModifyInstanceCreditSpecification");
  const input = { InstanceCreditSpecifications: [{ InstanceId: A, CpuCredits: "standard" }, { InstanceId: B, CpuCredits: "standard" }] };
  const fromA = { SuccessfulInstanceCreditSpecifications: [{ InstanceId: A }], UnsuccessfulInstanceCreditSpecifications: [], _owned: [A] };
  const empty = { SuccessfulInstanceCreditSpecifications: [], UnsuccessfulInstanceCreditSpecifications: [], _owned: [] };
  const merged = mergeReplies(travel, [empty, fromA], input);
  assert.deepEqual(merged.SuccessfulInstanceCreditSpecifications, [{ InstanceId: A }]);
  assert.deepEqual(merged.UnsuccessfulInstanceCreditSpecifications, [
    { InstanceId: B, Error: { Code: "InvalidInstanceID.NotFound", Message: `The instance ID '${B}' does not exist` } },
  ]);
  assert.throws(() => mergeReplies(travel, [fromA], input, ["node-2"]), isUnavailableNaming("node-2"));
});
