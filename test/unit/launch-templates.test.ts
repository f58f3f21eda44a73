// Launch templates over a real (in-memory) store: templates and versions as EC2 shows them, every refusal with the AWS
// code the gateway would answer, the merge RunInstances makes of a template and its own parameters, placement's room
// query reading the template, GetLaunchTemplateData, and the tables replicating to another box.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { RequestLaunchTemplateData, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import type { ActionRequest } from "../../src/bus/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { getLaunchTemplateData } from "../../src/daemon/instances/launch-template-data.ts";
import { instanceDeps, type InstanceDeps } from "../../src/daemon/instances/instance-deps.ts";
import type { InstanceManager } from "../../src/daemon/instances/instance-manager.ts";
import { describeInstanceAttribute, describeInstances } from "../../src/daemon/instances/instances.ts";
import { runInstances, runInstancesRoom } from "../../src/daemon/instances/run-instances.ts";
import {
  createLaunchTemplate,
  createLaunchTemplateVersion,
  deleteLaunchTemplate,
  deleteLaunchTemplateVersions,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
  mergeLaunch,
  modifyLaunchTemplate,
  withLaunchTemplate,
} from "../../src/daemon/launch-templates/index.ts";
import { createTags, describeTags } from "../../src/daemon/shared/tags.ts";
import { ensureDefaultVpc } from "../../src/daemon/vpc/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const AMI = "ami-0123456789abcdef0";
const OTHER_AMI = "ami-0fedcba9876543210";
const ARN = "arn:aws:iam::123456789012:root";
const now = "2026-12-01T00:00:00.000Z";
const b64 = (s: string) => Buffer.from(s).toString("base64");

const req = <T>(input: T, nodes = 1): ActionRequest<T> =>
  ({ requestId: "t", caller: { accountId: "123456789012", arn: ARN, userId: "123456789012", accessKeyId: "AKIA" }, region: "us-east-1", input, nodes }) as ActionRequest<T>;

/** The AWS code the gateway would answer for what fn throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
    return awsErrorFromDomain(err).code;
  }
  assert.fail("expected an error");
}

interface World {
  store: Store;
  deps: InstanceDeps;
  launched: string[];
}

async function world(): Promise<World> {
  const ctx = testContext({ host: { vcpus: 8, memoryMiB: 16 * 1024, cpuVendor: "intel", arch: "x86_64", kvm: true } });
  const store = await openStore(":memory:");
  ensureDefaultVpc(ctx, store);
  for (const id of [AMI, OTHER_AMI]) {
    store.images.insert({ id, name: id, state: "available", architecture: "x86_64", rootDeviceName: "/dev/xvda", sizeBytes: 64 << 20, file: `images/${id}.qcow2`, node: "node-1", ownerId: ctx.accountId, createdAt: now });
  }
  const launched: string[] = [];
  const manager = { launch: (id: string) => launched.push(id) } as unknown as InstanceManager;
  return { store, deps: instanceDeps(ctx, store, manager), launched };
}

const create = (w: World, name: string, data: RequestLaunchTemplateData, extra: Record<string, unknown> = {}) =>
  createLaunchTemplate(req({ LaunchTemplateName: name, LaunchTemplateData: data, ...extra }), w.store).LaunchTemplate!;

const versionsOf = (w: World, input: Record<string, unknown>) => describeLaunchTemplateVersions(req(input), w.store).LaunchTemplateVersions ?? [];

describe("templates and versions", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  test("CreateLaunchTemplate makes version 1, the default and the latest, tagged as asked", () => {
    const t = create(w, "web", { ImageId: AMI, InstanceType: "t3.micro" }, { VersionDescription: "first", TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: "team", Value: "a" }] }] });
    assert.match(t.LaunchTemplateId!, /^lt-[0-9a-f]{17}$/);
    assert.equal(t.LaunchTemplateName, "web");
    assert.equal(t.DefaultVersionNumber, 1);
    assert.equal(t.LatestVersionNumber, 1);
    assert.equal(t.CreatedBy, ARN);
    assert.deepEqual(t.Tags, [{ Key: "team", Value: "a" }]);
    const [v] = versionsOf(w, { LaunchTemplateId: t.LaunchTemplateId });
    assert.equal(v!.VersionNumber, 1);
    assert.equal(v!.DefaultVersion, true);
    assert.equal(v!.VersionDescription, "first");
    assert.deepEqual(v!.LaunchTemplateData, { ImageId: AMI, InstanceType: "t3.micro" });
  });

  test("names, data and tags are checked as EC2 checks them", () => {
    assert.equal(codeOf(() => create(w, "no spaces allowed", { ImageId: AMI })), "InvalidLaunchTemplateName.MalformedException");
    assert.equal(codeOf(() => create(w, "ab", { ImageId: AMI })), "InvalidLaunchTemplateName.MalformedException");
    assert.equal(codeOf(() => create(w, "x".repeat(129), { ImageId: AMI })), "InvalidLaunchTemplateName.MalformedException");
    assert.equal(codeOf(() => create(w, "empty", {})), "MissingParameter");
    assert.equal(codeOf(() => create(w, "tagged", { ImageId: AMI }, { TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }] })), "InvalidParameterValue");
    assert.equal(codeOf(() => create(w, "reserved", { ImageId: AMI }, { TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: "aws:x", Value: "b" }] }] })), "InvalidParameterValue");
    assert.equal(codeOf(() => create(w, "launchtags", { TagSpecifications: [{ ResourceType: "launch-template" as never, Tags: [] }] })), "InvalidParameterValue");
    assert.equal(codeOf(() => create(w, "operated", { ImageId: AMI }, { Operator: { Principal: "x" } })), "UnsupportedOperation");
    create(w, "Web.(1)/a_b-c", { ImageId: AMI });
    assert.equal(codeOf(() => create(w, "Web.(1)/a_b-c", { ImageId: AMI })), "InvalidLaunchTemplateName.AlreadyExistsException");
    assert.equal(describeLaunchTemplates(req({}), w.store).LaunchTemplates!.length, 1);
  });

  test("a ClientToken makes creation idempotent", () => {
    const a = create(w, "once", { ImageId: AMI }, { ClientToken: "tok" });
    const b = create(w, "once", { ImageId: AMI }, { ClientToken: "tok" });
    assert.equal(b.LaunchTemplateId, a.LaunchTemplateId);
    assert.equal(codeOf(() => create(w, "other", { ImageId: AMI }, { ClientToken: "tok" })), "IdempotentParameterMismatch");
    const id = a.LaunchTemplateId!;
    const v1 = createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { InstanceType: "t3.small" }, ClientToken: "v" }), w.store).LaunchTemplateVersion!;
    const v2 = createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { InstanceType: "t3.small" }, ClientToken: "v" }), w.store).LaunchTemplateVersion!;
    assert.equal(v1.VersionNumber, 2);
    assert.equal(v2.VersionNumber, 2);
  });

  test("a version from a SourceVersion is the source's data with the given data laid over it", () => {
    const t = create(w, "layered", {
      ImageId: AMI,
      InstanceType: "t3.micro",
      UserData: b64("one"),
      Placement: { AvailabilityZone: "us-east-1a", Tenancy: "default" },
      BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 2, SnapshotId: "snap-0123456789abcdef0" } }],
    });
    const id = t.LaunchTemplateId!;
    const v2 = createLaunchTemplateVersion(req({ LaunchTemplateName: "layered", SourceVersion: "1", VersionDescription: "bigger", LaunchTemplateData: { InstanceType: "t3.small", Placement: { Tenancy: "dedicated" } } }), w.store)
      .LaunchTemplateVersion!;
    assert.equal(v2.VersionNumber, 2);
    assert.equal(v2.DefaultVersion, false);
    // A given parameter replaces the source's whole; the others are inherited, their snapshots dropped.
    assert.deepEqual(v2.LaunchTemplateData, {
      ImageId: AMI,
      InstanceType: "t3.small",
      UserData: b64("one"),
      Placement: { Tenancy: "dedicated" },
      BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 2 } }],
    });
    // Without a source, a version holds only what it is given.
    const v3 = createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: OTHER_AMI } }), w.store).LaunchTemplateVersion!;
    assert.deepEqual(v3.LaunchTemplateData, { ImageId: OTHER_AMI });
    const v4 = createLaunchTemplateVersion(req({ LaunchTemplateId: id, SourceVersion: "$Latest", LaunchTemplateData: {} }), w.store).LaunchTemplateVersion!;
    assert.deepEqual(v4.LaunchTemplateData, { ImageId: OTHER_AMI });
    assert.equal(codeOf(() => createLaunchTemplateVersion(req({ LaunchTemplateId: id, SourceVersion: "9", LaunchTemplateData: {} }), w.store)), "InvalidLaunchTemplateId.VersionNotFound");
    assert.equal(codeOf(() => createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: {} }), w.store)), "MissingParameter");
  });

  test("$Latest, $Default, numbers, MinVersion/MaxVersion, filters and pages", () => {
    const id = create(w, "many", { ImageId: AMI, InstanceType: "t3.micro" }).LaunchTemplateId!;
    for (const type of ["t3.small", "t3.medium", "t3.large"] as const) createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: AMI, InstanceType: type } }), w.store);
    const numbers = (input: Record<string, unknown>) => versionsOf(w, { LaunchTemplateId: id, ...input }).map((v) => v.VersionNumber);
    assert.deepEqual(numbers({}), [1, 2, 3, 4]);
    assert.deepEqual(numbers({ Versions: ["$Latest"] }), [4]);
    assert.deepEqual(numbers({ Versions: ["$Default", "3"] }), [1, 3]);
    assert.deepEqual(numbers({ MinVersion: "2", MaxVersion: "3" }), [2, 3]);
    assert.deepEqual(numbers({ Filters: [{ Name: "instance-type", Values: ["t3.me*", "t3.large"] }] }), [3, 4]);
    assert.deepEqual(numbers({ Filters: [{ Name: "is-default-version", Values: ["true"] }] }), [1]);
    assert.equal(codeOf(() => numbers({ Versions: ["7"] })), "InvalidLaunchTemplateId.VersionNotFound");
    assert.equal(codeOf(() => numbers({ Filters: [{ Name: "bogus", Values: ["x"] }] })), "InvalidParameterValue");
    const first = describeLaunchTemplateVersions(req({ LaunchTemplateId: id, MaxResults: 3 }), w.store);
    assert.deepEqual(first.LaunchTemplateVersions!.map((v) => v.VersionNumber), [1, 2, 3]);
    const rest = describeLaunchTemplateVersions(req({ LaunchTemplateId: id, MaxResults: 3, NextToken: first.NextToken }), w.store);
    assert.deepEqual(rest.LaunchTemplateVersions!.map((v) => v.VersionNumber), [4]);
    assert.equal(rest.NextToken, undefined);

    modifyLaunchTemplate(req({ LaunchTemplateId: id, DefaultVersion: "3" }), w.store);
    assert.deepEqual(numbers({ Versions: ["$Default"] }), [3]);
    assert.equal(codeOf(() => modifyLaunchTemplate(req({ LaunchTemplateId: id, DefaultVersion: "9" }), w.store)), "InvalidLaunchTemplateId.VersionNotFound");
    const [t] = describeLaunchTemplates(req({ LaunchTemplateIds: [id] }), w.store).LaunchTemplates!;
    assert.equal(t!.DefaultVersionNumber, 3);
    assert.equal(t!.LatestVersionNumber, 4);

    // Without a template: the latest and default versions of every template.
    const other = create(w, "other", { ImageId: OTHER_AMI }).LaunchTemplateId!;
    const all = versionsOf(w, { Versions: ["$Latest", "$Default"] }).map((v) => `${v.LaunchTemplateId === id ? "many" : "other"}:${v.VersionNumber}`);
    assert.deepEqual(all.sort(), ["many:3", "many:4", "other:1"]);
    assert.ok(other);
    assert.equal(codeOf(() => versionsOf(w, {})), "MissingParameter");
    assert.equal(codeOf(() => versionsOf(w, { Versions: ["1"] })), "InvalidParameterValue");
  });

  test("DeleteLaunchTemplateVersions answers per version; the default stays; numbers are not reused", () => {
    const id = create(w, "pruned", { ImageId: AMI }).LaunchTemplateId!;
    createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: AMI, InstanceType: "t3.small" } }), w.store);
    createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: AMI, InstanceType: "t3.medium" } }), w.store);
    const out = deleteLaunchTemplateVersions(req({ LaunchTemplateId: id, Versions: ["1", "3", "8", "x"] }), w.store);
    assert.deepEqual(out.SuccessfullyDeletedLaunchTemplateVersions!.map((v) => v.VersionNumber), [3]);
    assert.deepEqual(
      out.UnsuccessfullyDeletedLaunchTemplateVersions!.map((v) => [v.VersionNumber, v.ResponseError!.Code]),
      [[1, "unexpectedError"], [8, "launchTemplateVersionDoesNotExist"], [undefined, "launchTemplateVersionDoesNotExist"]],
    );
    assert.equal(describeLaunchTemplates(req({ LaunchTemplateIds: [id] }), w.store).LaunchTemplates![0]!.LatestVersionNumber, 2);
    const next = createLaunchTemplateVersion(req({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: AMI } }), w.store).LaunchTemplateVersion!;
    assert.equal(next.VersionNumber, 4);
    assert.equal(codeOf(() => deleteLaunchTemplateVersions(req({ LaunchTemplateId: id, Versions: [] }), w.store)), "MissingParameter");
  });

  test("naming a template: neither, both, malformed, unknown", () => {
    const t = create(w, "named", { ImageId: AMI });
    assert.equal(codeOf(() => modifyLaunchTemplate(req({ DefaultVersion: "1" }), w.store)), "MissingParameter");
    assert.equal(codeOf(() => modifyLaunchTemplate(req({ LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: "named" }), w.store)), "InvalidParameterCombination");
    assert.equal(codeOf(() => deleteLaunchTemplate(req({ LaunchTemplateId: "lt-xyz" }), w.store)), "InvalidLaunchTemplateId.Malformed");
    assert.equal(codeOf(() => deleteLaunchTemplate(req({ LaunchTemplateId: "lt-0123456789abcdef0" }), w.store)), "InvalidLaunchTemplateId.NotFound");
    assert.equal(codeOf(() => deleteLaunchTemplate(req({ LaunchTemplateName: "nothere" }), w.store)), "InvalidLaunchTemplateName.NotFoundException");
    assert.equal(codeOf(() => describeLaunchTemplates(req({ LaunchTemplateNames: ["nothere"] }), w.store)), "InvalidLaunchTemplateName.NotFoundException");
    assert.equal(codeOf(() => describeLaunchTemplates(req({ LaunchTemplateIds: ["lt-0123456789abcdef0"] }), w.store)), "InvalidLaunchTemplateId.NotFound");
    assert.equal(codeOf(() => describeLaunchTemplates(req({ LaunchTemplateIds: ["sg-0123456789abcdef0"] }), w.store)), "InvalidLaunchTemplateId.Malformed");
    assert.equal(codeOf(() => versionsOf(w, { LaunchTemplateName: "nothere" })), "InvalidLaunchTemplateName.NotFoundException");
  });

  test("DescribeLaunchTemplates filters by name and tags; CreateTags and DescribeTags know launch templates", () => {
    const a = create(w, "app-a", { ImageId: AMI }).LaunchTemplateId!;
    const b = create(w, "app-b", { ImageId: AMI }).LaunchTemplateId!;
    createTags(req({ Resources: [b], Tags: [{ Key: "tier", Value: "db" }] }), w.store);
    const names = (Filters: Array<{ Name: string; Values: string[] }>) => describeLaunchTemplates(req({ Filters }), w.store).LaunchTemplates!.map((t) => t.LaunchTemplateName);
    assert.deepEqual(names([{ Name: "launch-template-name", Values: ["app-*"] }]).sort(), ["app-a", "app-b"]);
    assert.deepEqual(names([{ Name: "tag:tier", Values: ["db"] }]), ["app-b"]);
    assert.deepEqual(names([{ Name: "tag-key", Values: ["tier"] }]), ["app-b"]);
    const tags = describeTags(req({ Filters: [{ Name: "resource-type", Values: ["launch-template"] }] }), w.store).Tags!;
    assert.deepEqual(tags.map((t) => [t.ResourceId, t.Key]), [[b, "tier"]]);
    assert.equal(codeOf(() => createTags(req({ Resources: ["lt-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] }), w.store)), "InvalidLaunchTemplateId.NotFound");
    const deleted = deleteLaunchTemplate(req({ LaunchTemplateName: "app-b" }), w.store).LaunchTemplate!;
    assert.deepEqual(deleted.Tags, [{ Key: "tier", Value: "db" }]);
    assert.deepEqual(w.store.tags.forResource(b), []);
    assert.deepEqual(w.store.launchTemplates.versions(b), []);
    assert.deepEqual(describeLaunchTemplates(req({}), w.store).LaunchTemplates!.map((t) => t.LaunchTemplateId), [a]);
  });
});

describe("the merge RunInstances makes", () => {
  test("the call wins: plain values replace, structures add member by member, keyed lists join, other lists replace", () => {
    const merged = mergeLaunch(
      {
        ImageId: AMI,
        InstanceType: "t3.micro",
        UserData: b64("template"),
        Placement: { AvailabilityZone: "us-east-1a", Tenancy: "default" },
        SecurityGroupIds: ["sg-0000000000000000a", "sg-0000000000000000b"],
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "t" }, { Key: "Owner", Value: "x" }] }],
        BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 1 } }, { DeviceName: "/dev/sdg", Ebs: { VolumeSize: 2 } }],
      },
      {
        MinCount: 1,
        MaxCount: 1,
        InstanceType: "t3.small",
        Placement: { GroupName: "pg" },
        SecurityGroupIds: ["sg-0000000000000000c"],
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Owner", Value: "TeamA" }] }, { ResourceType: "volume", Tags: [{ Key: "d", Value: "1" }] }],
        BlockDeviceMappings: [{ DeviceName: "/dev/sdg", Ebs: { VolumeSize: 20 } }],
      },
    );
    assert.equal(merged.ImageId, AMI);
    assert.equal(merged.InstanceType, "t3.small");
    assert.equal(merged.UserData, b64("template"));
    assert.deepEqual(merged.Placement, { AvailabilityZone: "us-east-1a", Tenancy: "default", GroupName: "pg" });
    assert.deepEqual(merged.SecurityGroupIds, ["sg-0000000000000000c"]);
    assert.deepEqual(merged.TagSpecifications, [
      { ResourceType: "instance", Tags: [{ Key: "Name", Value: "t" }, { Key: "Owner", Value: "TeamA" }] },
      { ResourceType: "volume", Tags: [{ Key: "d", Value: "1" }] },
    ]);
    assert.deepEqual(merged.BlockDeviceMappings, [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 1 } }, { DeviceName: "/dev/sdg", Ebs: { VolumeSize: 20 } }]);
  });

  test("network interfaces join by device index", () => {
    const merged = mergeLaunch(
      { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: "subnet-0000000000000000a", Groups: ["sg-0000000000000000a"] }] },
      { MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: "subnet-0000000000000000b" }] },
    );
    assert.deepEqual(merged.NetworkInterfaces, [{ DeviceIndex: 0, SubnetId: "subnet-0000000000000000b" }]);
  });
});

describe("RunInstances from a launch template", () => {
  let w: World;
  let id: string;
  beforeEach(async () => {
    w = await world();
    id = create(w, "launcher", {
      ImageId: AMI,
      InstanceType: "t3.small",
      UserData: b64("#!/bin/sh\necho template\n"),
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "from-template" }] }],
    }).LaunchTemplateId!;
    createLaunchTemplateVersion(req({ LaunchTemplateId: id, SourceVersion: "1", LaunchTemplateData: { InstanceType: "t3.medium" } }), w.store);
  });
  const run = (input: Partial<RunInstancesRequest>) => runInstances(req({ MinCount: 1, MaxCount: 1, ...input } as RunInstancesRequest), w.deps).Instances![0]!;
  const userData = (instanceId: string) => describeInstanceAttribute(req({ InstanceId: instanceId, Attribute: "userData" }), w.deps).UserData?.Value;

  test("the default version's data, with the template's tags and the aws:ec2launchtemplate tags", () => {
    const i = run({ LaunchTemplate: { LaunchTemplateId: id } });
    assert.equal(i.ImageId, AMI);
    assert.equal(i.InstanceType, "t3.small");
    assert.equal(userData(i.InstanceId!), b64("#!/bin/sh\necho template\n"));
    const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
    assert.deepEqual(tags, { Name: "from-template", "aws:ec2launchtemplate:id": id, "aws:ec2launchtemplate:version": "1" });
    assert.deepEqual(w.launched, [i.InstanceId]);
  });

  test("$Latest by name, and the call's own parameters over the template's", () => {
    const i = run({ LaunchTemplate: { LaunchTemplateName: "launcher", Version: "$Latest" }, UserData: b64("call"), TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "mine" }] }] });
    assert.equal(i.InstanceType, "t3.medium");
    assert.equal(userData(i.InstanceId!), b64("call"));
    const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
    assert.equal(tags.Name, "mine");
    assert.equal(tags["aws:ec2launchtemplate:version"], "2");
    const j = run({ LaunchTemplate: { LaunchTemplateId: id, Version: "1" }, InstanceType: "t3.nano", ImageId: OTHER_AMI });
    assert.equal(j.InstanceType, "t3.nano");
    assert.equal(j.ImageId, OTHER_AMI);
    const all = (describeInstances(req({ Filters: [{ Name: "tag:aws:ec2launchtemplate:id", Values: [id] }] }), w.deps).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    assert.equal(all.length, 2);
  });

  test("refusals: the template's errors, its combinations and what Hive does not honour", () => {
    assert.equal(codeOf(() => run({ LaunchTemplate: {} })), "MissingParameter");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: id, LaunchTemplateName: "launcher" } })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: "lt-0123456789abcdef0" } })), "InvalidLaunchTemplateId.NotFound");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: "lt-bad" } })), "InvalidLaunchTemplateId.Malformed");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateName: "nothere" } })), "InvalidLaunchTemplateName.NotFoundException");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: id, Version: "5" } })), "InvalidLaunchTemplateId.VersionNotFound");
    const subnet = w.store.subnets.list()[0]!.id;
    const nic = create(w, "nic", { ImageId: AMI, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet }] }).LaunchTemplateId!;
    const group = w.store.securityGroups.list()[0]!.id;
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: nic }, SecurityGroupIds: [group] })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: nic }, SubnetId: subnet })), "InvalidParameterCombination");
    const ipv6 = create(w, "ipv6", { ImageId: AMI, NetworkInterfaces: [{ DeviceIndex: 0, Ipv6AddressCount: 1 }] }).LaunchTemplateId!;
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: ipv6 } })), "UnsupportedOperation");
    const attrs = create(w, "attrs", { ImageId: AMI, InstanceRequirements: { VCpuCount: { Min: 1 }, MemoryMiB: { Min: 512 } } }).LaunchTemplateId!;
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: attrs } })), "UnsupportedOperation");
    const reserved = create(w, "badtags", { ImageId: AMI, TagSpecifications: [{ ResourceType: "network-interface", Tags: [{ Key: "a", Value: "b" }] }] }).LaunchTemplateId!;
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: reserved } })), "InvalidParameterValue");
    const noImage = create(w, "noimage", { InstanceType: "t3.micro" }).LaunchTemplateId!;
    assert.equal(codeOf(() => run({ LaunchTemplate: { LaunchTemplateId: noImage } })), "InvalidParameterValue");
    assert.deepEqual(w.launched, []);
  });

  test("placement's room query counts the template's instance type and zone", () => {
    const room = (input: Partial<RunInstancesRequest>) => runInstancesRoom(req({ MinCount: 1, MaxCount: 1, ...input } as RunInstancesRequest), w.deps).fits;
    // 8 vCPUs and 16 GiB: t3.medium (2 vCPUs, 4 GiB) fits 4 times, t3.2xlarge (8 vCPUs, 32 GiB) not at all.
    assert.equal(room({ LaunchTemplate: { LaunchTemplateId: id, Version: "2" } }), 4);
    const big = create(w, "big", { ImageId: AMI, InstanceType: "t3.2xlarge" }).LaunchTemplateId!;
    assert.equal(room({ LaunchTemplate: { LaunchTemplateId: big } }), 0);
    assert.equal(room({ LaunchTemplate: { LaunchTemplateId: big }, InstanceType: "t3.medium" }), 4);
    const away = create(w, "away", { ImageId: AMI, Placement: { AvailabilityZone: "us-east-1b" } }).LaunchTemplateId!;
    assert.equal(room({ LaunchTemplate: { LaunchTemplateId: away } }), 0);
    // A template the call cannot use: one node is let through to answer the error.
    assert.equal(room({ LaunchTemplate: { LaunchTemplateName: "nothere" }, MaxCount: 3 }), 3);
  });

  test("withLaunchTemplate leaves a call without a template alone and is idempotent", () => {
    const plain = { ImageId: AMI, MinCount: 1, MaxCount: 1 } as RunInstancesRequest;
    assert.equal(withLaunchTemplate(plain, w.store).input, plain);
    const once = withLaunchTemplate({ ...plain, LaunchTemplate: { LaunchTemplateId: id } }, w.store);
    assert.equal(once.input.LaunchTemplate, undefined);
    assert.deepEqual(withLaunchTemplate(once.input, w.store).input, once.input);
    assert.deepEqual(once.template, { id, version: 1 });
  });

  test("GetLaunchTemplateData gives the instance's parameters back as template data", () => {
    const i = run({ LaunchTemplate: { LaunchTemplateId: id } });
    const out = getLaunchTemplateData(req({ InstanceId: i.InstanceId }), w.deps);
    assert.deepEqual(out._owned, [i.InstanceId]);
    const d = out.LaunchTemplateData!;
    assert.equal(d.ImageId, AMI);
    assert.equal(d.InstanceType, "t3.small");
    assert.equal(d.UserData, b64("#!/bin/sh\necho template\n"));
    assert.deepEqual(d.Placement, { AvailabilityZone: "us-east-1a", GroupName: "", Tenancy: "default" });
    assert.equal(d.BlockDeviceMappings![0]!.DeviceName, "/dev/xvda");
    assert.equal(d.NetworkInterfaces![0]!.DeviceIndex, 0);
    assert.equal(d.NetworkInterfaces![0]!.SubnetId, i.SubnetId);
    // The reserved tags are EC2's own: a template made from this data must not carry them.
    assert.deepEqual(d.TagSpecifications, [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "from-template" }] }]);
    assert.equal(codeOf(() => getLaunchTemplateData(req({ InstanceId: "i-0123456789abcdef0" }), w.deps)), "InvalidInstanceID.NotFound");
    assert.deepEqual(getLaunchTemplateData(req({ InstanceId: "i-0123456789abcdef0" }, 2), w.deps)._owned, []);
    // And a template made from it launches.
    const copy = create(w, "copy", { ...(d as RequestLaunchTemplateData), NetworkInterfaces: undefined }).LaunchTemplateId!;
    assert.equal(run({ LaunchTemplate: { LaunchTemplateId: copy } }).InstanceType, "t3.small");
  });
});

test("templates and their versions replicate to another box through the region log", async () => {
  const a = await world();
  const b = await openStore(":memory:");
  try {
    const id = create(a, "replicated", { ImageId: AMI }, { TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: "k", Value: "v" }] }] }).LaunchTemplateId!;
    createLaunchTemplateVersion(req({ LaunchTemplateId: id, SourceVersion: "1", LaunchTemplateData: { InstanceType: "t3.small" } }), a.store);
    const copy = () => {
      const changes = a.store.region.pending(1000);
      b.region.apply(changes.map(({ table, key, row }) => ({ table, key, row })));
      if (changes.length > 0) a.store.region.acknowledge(changes[changes.length - 1]!.seq);
    };
    copy();
    assert.deepEqual(b.launchTemplates.get(id), a.store.launchTemplates.get(id));
    assert.deepEqual(b.launchTemplates.versions(id), a.store.launchTemplates.versions(id));
    assert.deepEqual(b.tags.forResource(id), a.store.tags.forResource(id));
    deleteLaunchTemplate(req({ LaunchTemplateId: id }), a.store);
    copy();
    assert.equal(b.launchTemplates.get(id), undefined);
    assert.deepEqual(b.launchTemplates.versions(), []);
    assert.deepEqual(b.tags.forResource(id), []);
  } finally {
    a.store.close();
    b.close();
  }
});
