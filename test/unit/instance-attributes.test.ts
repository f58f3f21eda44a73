// The describes tools make around an instance, on an in-memory store: every instance attribute, stop protection,
// CPU credit options (EC2's defaults, per-id results merged by the gateway), IAM instance profile associations and
// account aliases before IAM exists.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { catalogue } from "../../src/actions/index.ts";
import { awsErrorFromDomain, AwsError } from "../../src/api/aws-error.ts";
import { mergeReplies } from "../../src/api/fanout-merge.ts";
import type { ActionRequest } from "../../src/bus/index.ts";
import { iamHandlers } from "../../src/daemon/catalogue/index.ts";
import {
  defaultCpuCredits,
  describeIamInstanceProfileAssociations,
  describeInstanceAttribute,
  describeInstanceCreditSpecifications,
  instanceDeps,
  modifyInstanceAttribute,
  modifyInstanceCreditSpecification,
  stopInstances,
  terminateInstances,
  type InstanceDeps,
  type InstanceManager,
} from "../../src/daemon/instances/index.ts";
import { launchCpuCredits } from "../../src/daemon/instances/credit-specifications.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type InstanceRecord, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const hex17 = (n: number) => n.toString(16).padStart(17, "0");
const T3 = `i-${hex17(1)}`;
const M5 = `i-${hex17(2)}`;
const GONE = `i-${hex17(3)}`;
const RESIZED = `i-${hex17(4)}`;
const NOBODY = `i-${hex17(99)}`;

const row = (id: string, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  id, reservationId: `r-${id.slice(2)}`, ownerId: "123456789012", imageId: `ami-${hex17(1)}`, instanceType: "t3.micro", state: "running",
  launchTime: "2026-01-01T00:00:00.000Z", az: "us-east-1a", node: "node-1", vcpus: 2, memoryMiB: 1024, shutdownBehavior: "stop",
  disableApiTermination: false, rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: "2026-01-01T00:00:00.000Z", ...over,
});

const request = <I>(input: I, nodes = 1): ActionRequest<I> => ({ requestId: "t", caller: {} as ActionRequest["caller"], region: "us-east-1", input, nodes }) as ActionRequest<I>;

/** The AWS code a call fails with, as the gateway would answer it. */
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AwsError) return err.code;
    assert.ok(err instanceof HiveError, `a HiveError, got ${String(err)}`);
    return awsErrorFromDomain(err).code;
  }
  assert.fail("expected the call to fail");
};

describe("instance attributes, credit options and profiles", () => {
  let store: Store;
  let deps: InstanceDeps;
  const stopped: string[] = [];
  const attr = (Attribute: string, InstanceId = T3) => describeInstanceAttribute(request({ InstanceId, Attribute: Attribute as never }), deps);
  const modify = (input: Record<string, unknown>, InstanceId = T3) => modifyInstanceAttribute(request({ InstanceId, ...input }), deps);

  before(async () => {
    store = await openStore(":memory:");
    store.instances.insertLaunch({
      instances: [
        row(T3, { cpuCredits: "standard" }),
        row(M5, { instanceType: "m5.large", memoryMiB: 8192 }),
        row(GONE, { state: "terminated" }),
        // Was a t3 running unlimited, now an m5: EC2 keeps listing its option.
        row(RESIZED, { instanceType: "m5.large", state: "stopped", cpuCredits: "unlimited" }),
      ],
      volumes: [],
      tags: [],
    });
    const manager = { stop: (id: string) => void stopped.push(id), terminate: () => {}, launch: () => {} } as unknown as InstanceManager;
    deps = instanceDeps(testContext(), store, manager);
  });
  after(() => store.close());

  test("EC2's default credit options: T3 and T3a unlimited, non-burstable types none", () => {
    assert.equal(defaultCpuCredits("t3.micro"), "unlimited");
    assert.equal(defaultCpuCredits("t3a.small"), "unlimited");
    assert.equal(defaultCpuCredits("m5.large"), undefined);
    assert.equal(launchCpuCredits(undefined, "t3.nano"), "unlimited");
    assert.equal(launchCpuCredits({ CpuCredits: "standard" }, "t3.nano"), "standard");
    assert.equal(launchCpuCredits(undefined, "m5.large"), undefined);
    assert.equal(codeOf(() => launchCpuCredits({ CpuCredits: "standard" }, "m5.large")), "InstanceCreditSpecification.NotSupported");
    assert.equal(codeOf(() => launchCpuCredits({ CpuCredits: "turbo" }, "t3.nano")), "InvalidParameterValue");
    assert.equal(codeOf(() => launchCpuCredits({}, "t3.nano")), "MissingParameter");
  });

  test("DescribeInstanceCreditSpecifications: named instances' options, or those running unlimited", () => {
    const describeCredits = (input: Record<string, unknown>, nodes = 1) => describeInstanceCreditSpecifications(request(input, nodes), deps);
    assert.deepEqual(describeCredits({ InstanceIds: [T3, RESIZED] }).InstanceCreditSpecifications, [
      { InstanceId: T3, CpuCredits: "standard" },
      { InstanceId: RESIZED, CpuCredits: "unlimited" },
    ]);
    // Terminated rows are listed while they last; T3 is standard, so not among the unlimited ones.
    assert.deepEqual(describeCredits({}).InstanceCreditSpecifications?.map((c) => c.InstanceId), [GONE, RESIZED]);
    assert.deepEqual(describeCredits({ Filters: [{ Name: "instance-id", Values: [RESIZED] }] }).InstanceCreditSpecifications?.length, 1);
    assert.equal(codeOf(() => describeCredits({ InstanceIds: [M5] })), "InstanceCreditSpecification.NotSupported");
    assert.equal(codeOf(() => describeCredits({ InstanceIds: [NOBODY] })), "InvalidInstanceID.NotFound");
    assert.equal(codeOf(() => describeCredits({ InstanceIds: ["i-xyz"] })), "InvalidInstanceID.Malformed");
    assert.equal(codeOf(() => describeCredits({ Filters: [{ Name: "cpu-credits", Values: ["standard"] }] })), "InvalidParameterValue");
    // In a cluster, an id this node does not hold is the gateway's to judge.
    assert.deepEqual(describeCredits({ InstanceIds: [NOBODY] }, 2)._owned, []);
  });

  test("ModifyInstanceCreditSpecification answers each id on its own, unknown ones from the gateway's merge", () => {
    const travel = catalogue.ec2.ModifyInstanceCreditSpecification.travel;
    const input = {
      InstanceCreditSpecifications: [
        { InstanceId: T3, CpuCredits: "unlimited" },
        { InstanceId: M5, CpuCredits: "unlimited" },
        { InstanceId: GONE, CpuCredits: "standard" },
        { InstanceId: NOBODY, CpuCredits: "standard" },
        { InstanceId: "i-xyz", CpuCredits: "standard" },
      ],
    };
    const reply = modifyInstanceCreditSpecification(request(input, 2), deps) as unknown as Record<string, unknown>;
    const merged = mergeReplies(travel, [reply, { SuccessfulInstanceCreditSpecifications: [], UnsuccessfulInstanceCreditSpecifications: [], _owned: [] }], input);
    assert.deepEqual(merged.SuccessfulInstanceCreditSpecifications, [{ InstanceId: T3 }]);
    const failed = merged.UnsuccessfulInstanceCreditSpecifications as Array<{ InstanceId: string; Error: { Code: string } }>;
    assert.deepEqual(Object.fromEntries(failed.map((f) => [f.InstanceId, f.Error.Code])), {
      [M5]: "InstanceCreditSpecification.NotSupported",
      [GONE]: "IncorrectInstanceState",
      [NOBODY]: "InvalidInstanceID.NotFound",
      "i-xyz": "InvalidInstanceID.Malformed",
    });
    assert.equal(store.instances.get(T3)?.cpuCredits, "unlimited");
    // A node that did not answer may hold the unknown id: Unavailable, never a guess.
    assert.throws(() => mergeReplies(travel, [reply], input, ["node-2"]), (e: unknown) => e instanceof HiveError && e.kind === "Unavailable");
    // A value that is neither option fails the whole call before anything changes.
    const bad = { InstanceCreditSpecifications: [{ InstanceId: T3, CpuCredits: "standard" }, { InstanceId: T3, CpuCredits: "fast" }] };
    assert.equal(codeOf(() => modifyInstanceCreditSpecification(request(bad), deps)), "InvalidParameterValue");
    assert.equal(store.instances.get(T3)?.cpuCredits, "unlimited");
    modifyInstanceCreditSpecification(request({ InstanceCreditSpecifications: [{ InstanceId: T3, CpuCredits: "standard" }] }), deps);
  });

  test("DescribeInstanceAttribute answers every attribute EC2 lists", () => {
    const expected: Record<string, string> = {
      instanceType: "InstanceType", kernel: "KernelId", ramdisk: "RamdiskId", userData: "UserData", disableApiTermination: "DisableApiTermination",
      instanceInitiatedShutdownBehavior: "InstanceInitiatedShutdownBehavior", rootDeviceName: "RootDeviceName", blockDeviceMapping: "BlockDeviceMappings",
      productCodes: "ProductCodes", sourceDestCheck: "SourceDestCheck", groupSet: "Groups", ebsOptimized: "EbsOptimized", sriovNetSupport: "SriovNetSupport",
      enaSupport: "EnaSupport", enclaveOptions: "EnclaveOptions", disableApiStop: "DisableApiStop",
    };
    for (const [name, member] of Object.entries(expected)) {
      const out = attr(name) as unknown as Record<string, unknown>;
      assert.ok(member in out, `${name} answers ${member}: ${JSON.stringify(out)}`);
    }
    assert.deepEqual(attr("enclaveOptions").EnclaveOptions, { Enabled: false });
    assert.deepEqual(attr("kernel").KernelId, {});
    assert.deepEqual(attr("disableApiStop").DisableApiStop, { Value: false });
    assert.equal(codeOf(() => attr("colour")), "InvalidParameterValue");
  });

  test("stop protection: set by its structure or Attribute and Value; StopInstances and TerminateInstances refuse", () => {
    modify({ DisableApiStop: { Value: true } });
    assert.deepEqual(attr("disableApiStop").DisableApiStop, { Value: true });
    const stop = () => stopInstances(request({ InstanceIds: [T3] }), deps);
    assert.equal(codeOf(stop), "OperationNotPermitted");
    assert.equal(codeOf(() => stopInstances(request({ InstanceIds: [T3], Force: true }), deps)), "OperationNotPermitted");
    assert.equal(codeOf(() => terminateInstances(request({ InstanceIds: [T3] }), deps)), "OperationNotPermitted");
    assert.deepEqual(stopped, [], "nothing was stopped");
    assert.equal(store.instances.get(T3)?.state, "running");
    modify({ Attribute: "disableApiStop", Value: "false" });
    assert.deepEqual(attr("disableApiStop").DisableApiStop, { Value: false });
    assert.equal(codeOf(() => modify({ Attribute: "disableApiStop", Value: "maybe" })), "InvalidParameterValue");
    stop();
    assert.deepEqual(stopped, [T3]);
  });

  test("attributes Hive cannot honour are refused naming them; asking for what is already so is no change", () => {
    modify({ EnaSupport: { Value: true } });
    modify({ EbsOptimized: { Value: false } });
    assert.equal(codeOf(() => modify({ EnaSupport: { Value: false } })), "UnsupportedOperation");
    assert.equal(codeOf(() => modify({ EbsOptimized: { Value: true } })), "UnsupportedOperation");
    assert.equal(codeOf(() => modify({ Kernel: { Value: "aki-12345678" } })), "UnsupportedOperation");
    assert.equal(codeOf(() => modify({ Attribute: "sriovNetSupport", Value: "simple" })), "UnsupportedOperation");
    assert.equal(codeOf(() => modify({ Attribute: "rootDeviceName", Value: "/dev/sda1" })), "InvalidParameterValue");
    assert.equal(codeOf(() => modify({ Attribute: "colour", Value: "red" })), "InvalidParameterValue");
  });

  test("DescribeIamInstanceProfileAssociations is empty until IAM exists; its input is still checked", () => {
    assert.deepEqual(describeIamInstanceProfileAssociations({}), { IamInstanceProfileAssociations: [] });
    assert.deepEqual(describeIamInstanceProfileAssociations({ Filters: [{ Name: "instance-id", Values: [T3] }, { Name: "state", Values: ["associated"] }] }), {
      IamInstanceProfileAssociations: [],
    });
    assert.equal(codeOf(() => describeIamInstanceProfileAssociations({ AssociationIds: ["iip-assoc-0123456789abcdef0"] })), "InvalidAssociationID.NotFound");
    assert.equal(codeOf(() => describeIamInstanceProfileAssociations({ Filters: [{ Name: "colour", Values: ["red"] }] })), "InvalidParameterValue");
  });

  test("IAM ListAccountAliases: none, and not truncated", async () => {
    assert.deepEqual(await iamHandlers().ListAccountAliases(request({})), { AccountAliases: [], IsTruncated: false });
  });
});
