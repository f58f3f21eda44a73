// The daemon's EC2/STS handlers, called directly with typed input and a fixed host.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Caller } from "../../src/bus/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import type { HostFacts } from "../../src/vm/index.ts";
import { catalogue } from "../../src/actions/index.ts";
import {
  allInstanceTypes,
  catalogueHandlers,
  describeAccountAttributes,
  describeAvailabilityZones,
  describeInstanceTypes,
  describeRegions,
  findInstanceType,
  fitsHost,
  stsHandlers,
  type DaemonContext,
} from "../../src/daemon/index.ts";

const intelHost: HostFacts = { vcpus: 2, memoryMiB: 24 * 1024, cpuVendor: "intel", arch: "x86_64", kvm: true };
const amdHost: HostFacts = { ...intelHost, cpuVendor: "amd" };
const bigHost: HostFacts = { ...intelHost, vcpus: 128, memoryMiB: 1024 * 1024 };

const ctxFor = (host: HostFacts): DaemonContext => ({
  node: "node-1",
  region: "us-east-1",
  az: "us-east-1a",
  azId: "use1-az1",
  endpoint: "https://localhost:9999",
  accountId: "123456789012",
  host,
  overcommit: { cpu: 1, mem: 1 }, network: { mode: "user" },
  dataDir: "/nonexistent",
});
const ctx = ctxFor(intelHost);

const typeNames = (host: HostFacts, input = {}): string[] =>
  (describeInstanceTypes(input, ctxFor(host)).InstanceTypes ?? []).map((t) => t.InstanceType!);

const isInvalid = (param: string, message: string | RegExp, resource?: string) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected HiveError, got ${String(err)}`);
  assert.equal(err.kind, "InvalidParameter");
  assert.equal(err.param, param);
  if (resource !== undefined) assert.equal(err.resource, resource);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return true;
};

// --- DescribeInstanceTypes

test("t3.micro is offered on a 2-vCPU/24GiB Intel host with 2 vCPUs and 1024 MiB", () => {
  const out = describeInstanceTypes({ InstanceTypes: ["t3.micro"] }, ctx).InstanceTypes ?? [];
  assert.equal(out.length, 1);
  const t = out[0]!;
  assert.equal(t.InstanceType, "t3.micro");
  assert.equal(t.VCpuInfo?.DefaultVCpus, 2);
  assert.equal(t.VCpuInfo?.DefaultCores, 1);
  assert.equal(t.VCpuInfo?.DefaultThreadsPerCore, 2);
  assert.equal(t.MemoryInfo?.SizeInMiB, 1024);
  assert.equal(t.FreeTierEligible, true);
  assert.equal(t.BurstablePerformanceSupported, true);
  assert.equal(t.CurrentGeneration, true);
  assert.equal(t.Hypervisor, "nitro");
  assert.equal(t.BareMetal, false);
  assert.deepEqual(t.ProcessorInfo?.SupportedArchitectures, ["x86_64"]);
  assert.equal(t.ProcessorInfo?.Manufacturer, "Intel");
  assert.deepEqual(t.SupportedUsageClasses, ["on-demand", "spot"]);
  assert.deepEqual(t.SupportedRootDeviceTypes, ["ebs"]);
  assert.deepEqual(t.SupportedVirtualizationTypes, ["hvm"]);
  assert.deepEqual(t.SupportedBootModes, ["legacy-bios", "uefi"]);
  assert.equal(t.InstanceStorageSupported, false);
  assert.equal(t.EbsInfo?.NvmeSupport, "required");
  assert.equal(t.NetworkInfo?.EnaSupport, "required");
  assert.equal(t.NetworkInfo?.NetworkPerformance, "Up to 5 Gigabit");
  assert.equal(t.NetworkInfo?.MaximumNetworkInterfaces, 2);
  assert.equal(t.NetworkInfo?.Ipv4AddressesPerInterface, 2);
});

test("only types that fit the host are returned, sorted by name", () => {
  assert.deepEqual(typeNames(intelHost), [
    "c5.large",
    "m5.large",
    "r5.large",
    "t3.large",
    "t3.medium",
    "t3.micro",
    "t3.nano",
    "t3.small",
  ]);
});

test("a 4-vCPU type is absent on a 2-vCPU host, without an error", () => {
  assert.ok(!typeNames(intelHost).includes("t3.xlarge"));
  assert.ok(!typeNames(intelHost).includes("m5.xlarge"));
  assert.deepEqual(typeNames(intelHost, { InstanceTypes: ["t3.xlarge"] }), []);
  assert.deepEqual(typeNames(intelHost, { InstanceTypes: ["t3.xlarge", "t3.micro"] }), ["t3.micro"]);
});

test("memory limits the list too", () => {
  const small: HostFacts = { ...intelHost, vcpus: 8, memoryMiB: 3000 };
  assert.deepEqual(typeNames(small), ["t3.micro", "t3.nano", "t3.small"]);
});

test("instance-type=t3.* returns only the t3 sizes that fit", () => {
  assert.deepEqual(typeNames(intelHost, { Filters: [{ Name: "instance-type", Values: ["t3.*"] }] }), [
    "t3.large",
    "t3.medium",
    "t3.micro",
    "t3.nano",
    "t3.small",
  ]);
});

test("an unknown instance type is an InvalidParameter on instance-type", () => {
  assert.throws(
    () => describeInstanceTypes({ InstanceTypes: ["t3.micro", "t9.huge" as never, "x1" as never] }, ctx),
    isInvalid("InstanceTypes", "The following supplied instance types do not exist: [t9.huge, x1]", "instance-type"),
  );
});

test("a real type of the other vendor is not an error, just not offered here", () => {
  assert.deepEqual(typeNames(intelHost, { InstanceTypes: ["t3a.micro"] }), []);
  assert.deepEqual(typeNames(amdHost, { InstanceTypes: ["t3.micro"] }), []);
});

test("an AMD host offers the t3a family instead of t3", () => {
  const names = typeNames(amdHost);
  assert.deepEqual(names, [
    "c5a.large",
    "m5a.large",
    "r5a.large",
    "t3a.large",
    "t3a.medium",
    "t3a.micro",
    "t3a.nano",
    "t3a.small",
  ]);
  const micro = describeInstanceTypes({ InstanceTypes: ["t3a.micro"] }, ctxFor(amdHost)).InstanceTypes![0]!;
  assert.equal(micro.ProcessorInfo?.Manufacturer, "AMD");
  assert.equal(micro.FreeTierEligible, false);
  assert.equal(micro.MemoryInfo?.SizeInMiB, 1024);
});

test("an unknown CPU vendor gets the Intel list", () => {
  assert.deepEqual(typeNames({ ...intelHost, cpuVendor: "other" }), typeNames(intelHost));
});

test("filters users reach for", () => {
  const f = (Name: string, ...Values: string[]) => typeNames(intelHost, { Filters: [{ Name, Values }] });
  assert.deepEqual(f("free-tier-eligible", "true"), ["t3.micro"]);
  assert.deepEqual(f("burstable-performance-supported", "false"), ["c5.large", "m5.large", "r5.large"]);
  assert.deepEqual(f("memory-info.size-in-mib", "1024", "2048"), ["t3.micro", "t3.small"]);
  assert.deepEqual(f("vcpu-info.default-vcpus", "2").length, 8);
  assert.deepEqual(f("vcpu-info.default-cores", "1").length, 8);
  assert.deepEqual(f("vcpu-info.default-threads-per-core", "2").length, 8);
  assert.deepEqual(f("current-generation", "true").length, 8);
  assert.deepEqual(f("bare-metal", "true"), []);
  assert.deepEqual(f("hypervisor", "nitro").length, 8);
  assert.deepEqual(f("instance-storage-supported", "false").length, 8);
  assert.deepEqual(f("hibernation-supported", "true").length, 8);
  assert.deepEqual(f("processor-info.supported-architecture", "x86_64").length, 8);
  assert.deepEqual(f("processor-info.supported-architecture", "arm64"), []);
  assert.deepEqual(f("processor-info.sustained-clock-speed-in-ghz", "3.4"), ["c5.large"]);
  assert.deepEqual(f("processor-info.sustained-clock-speed-in-ghz", "2.5").length, 5);
  assert.deepEqual(f("supported-usage-class", "spot").length, 8);
  assert.deepEqual(f("supported-root-device-type", "ebs").length, 8);
  assert.deepEqual(f("supported-virtualization-type", "paravirtual"), []);
  assert.deepEqual(f("network-info.ena-support", "required").length, 8);
  assert.deepEqual(f("ebs-info.ebs-optimized-support", "default").length, 8);
  assert.deepEqual(f("placement-group-info.supported-strategies", "cluster"), ["c5.large", "m5.large", "r5.large"]);
  assert.deepEqual(
    typeNames(intelHost, {
      Filters: [
        { Name: "instance-type", Values: ["*.large"] },
        { Name: "memory-info.size-in-mib", Values: ["8192", "16384"] },
      ],
    }),
    ["m5.large", "r5.large", "t3.large"],
  );
});

test("an unknown DescribeInstanceTypes filter is rejected", () => {
  assert.throws(
    () => describeInstanceTypes({ Filters: [{ Name: "colour", Values: ["red"] }] }, ctx),
    isInvalid("Filter", "The filter 'colour' is invalid"),
  );
});

test("a large host sees the whole Intel catalog with AWS's figures", () => {
  const all = describeInstanceTypes({}, ctxFor(bigHost)).InstanceTypes ?? [];
  assert.equal(all.length, 7 + 8 + 8 + 8);
  const fig = (name: string) => {
    const t = all.find((x) => x.InstanceType === name)!;
    return [t.VCpuInfo?.DefaultVCpus, t.MemoryInfo?.SizeInMiB];
  };
  assert.deepEqual(fig("t3.nano"), [2, 512]);
  assert.deepEqual(fig("t3.2xlarge"), [8, 32 * 1024]);
  assert.deepEqual(fig("m5.24xlarge"), [96, 384 * 1024]);
  assert.deepEqual(fig("c5.9xlarge"), [36, 72 * 1024]);
  assert.deepEqual(fig("c5.18xlarge"), [72, 144 * 1024]);
  assert.deepEqual(fig("r5.16xlarge"), [64, 512 * 1024]);
  assert.equal(all.find((x) => x.InstanceType === "m5.24xlarge")?.NetworkInfo?.NetworkPerformance, "25 Gigabit");
  assert.equal(all.find((x) => x.InstanceType === "m5.24xlarge")?.HibernationSupported, false);
});

test("the catalog keeps each family's memory ratio", () => {
  const perVcpu: Record<string, number> = { m5: 4096, m5a: 4096, c5: 2048, c5a: 2048, r5: 8192, r5a: 8192 };
  const names = new Set<string>();
  for (const t of allInstanceTypes()) {
    const name = t.InstanceType!;
    assert.ok(!names.has(name), `duplicate ${name}`);
    names.add(name);
    const family = name.split(".")[0]!;
    const ratio = perVcpu[family];
    if (ratio !== undefined) assert.equal(t.MemoryInfo!.SizeInMiB! / t.VCpuInfo!.DefaultVCpus!, ratio, name);
    assert.equal(t.VCpuInfo!.DefaultCores! * 2, t.VCpuInfo!.DefaultVCpus, name);
    assert.ok(t.VCpuInfo!.ValidCores!.includes(t.VCpuInfo!.DefaultCores!), name);
  }
  assert.equal(names.size, 62);
});

test("fitsHost compares vCPUs and memory", () => {
  assert.equal(fitsHost(findInstanceType("t3.micro")!, intelHost), true);
  assert.equal(fitsHost(findInstanceType("t3.xlarge")!, intelHost), false);
  assert.equal(fitsHost(findInstanceType("r5.large")!, { ...intelHost, memoryMiB: 16383 }), false);
  assert.equal(fitsHost(findInstanceType("r5.large")!, { ...intelHost, memoryMiB: 16384 }), true);
});

// --- DescribeRegions

test("DescribeRegions returns this region with the gateway as endpoint", () => {
  assert.deepEqual(describeRegions({}, ctx), {
    Regions: [{ RegionName: "us-east-1", Endpoint: "localhost:9999", OptInStatus: "opt-in-not-required" }],
  });
  assert.equal(describeRegions({ AllRegions: true }, ctx).Regions?.length, 1);
  assert.equal(describeRegions({ RegionNames: ["us-east-1"] }, ctx).Regions?.length, 1);
});

test("DescribeRegions rejects an unknown region name", () => {
  assert.throws(
    () => describeRegions({ RegionNames: ["us-east-1", "mars-1"] }, ctx),
    isInvalid("RegionNames", "Invalid region: mars-1", "region"),
  );
});

test("DescribeRegions filters", () => {
  const n = (Name: string, v: string) => describeRegions({ Filters: [{ Name, Values: [v] }] }, ctx).Regions?.length;
  assert.equal(n("region-name", "us-*"), 1);
  assert.equal(n("region-name", "eu-*"), 0);
  assert.equal(n("endpoint", "localhost:*"), 1);
  assert.equal(n("opt-in-status", "opt-in-not-required"), 1);
  assert.equal(n("opt-in-status", "opted-in"), 0);
  assert.throws(() => n("zone-name", "x"), isInvalid("Filter", "The filter 'zone-name' is invalid"));
});

// --- DescribeAvailabilityZones

test("DescribeAvailabilityZones describes this node's zone", () => {
  assert.deepEqual(describeAvailabilityZones({}, ctx).AvailabilityZones, [
    {
      OptInStatus: "opt-in-not-required",
      Messages: [],
      RegionName: "us-east-1",
      ZoneName: "us-east-1a",
      ZoneId: "use1-az1",
      GroupName: "us-east-1",
      NetworkBorderGroup: "us-east-1",
      ZoneType: "availability-zone",
      State: "available",
    },
  ]);
  assert.equal(describeAvailabilityZones({ AllAvailabilityZones: true }, ctx).AvailabilityZones?.length, 1);
});

test("DescribeAvailabilityZones by name and ID", () => {
  const n = (input: object) => describeAvailabilityZones(input, ctx).AvailabilityZones?.length;
  assert.equal(n({ ZoneNames: ["us-east-1a"] }), 1);
  assert.equal(n({ ZoneIds: ["use1-az1"] }), 1);
  // A zone no member of the region holds does not exist.
  assert.throws(() => n({ ZoneNames: ["us-east-1b"] }), isInvalid("ZoneNames", "The zone 'us-east-1b' does not exist", "availability-zone"));
});

test("DescribeAvailabilityZones lists every member's zone with the state this box sees", () => {
  const zones = [
    { az: "us-east-1a", azId: "use1-az1", state: "available" as const },
    { az: "us-east-1b", azId: "use1-az2", state: "unavailable" as const, message: "m1, the member in us-east-1b, has not been heard from since this box started" },
  ];
  const all = describeAvailabilityZones({}, ctx, zones).AvailabilityZones ?? [];
  assert.deepEqual(all.map((z) => [z.ZoneName, z.State]), [["us-east-1a", "available"], ["us-east-1b", "unavailable"]]);
  assert.match(all[1]?.Messages?.[0]?.Message ?? "", /m1/);
  assert.equal(describeAvailabilityZones({ ZoneNames: ["us-east-1b"] }, ctx, zones).AvailabilityZones?.length, 1);
  assert.equal(describeAvailabilityZones({ Filters: [{ Name: "state", Values: ["unavailable"] }] }, ctx, zones).AvailabilityZones?.length, 1);
});

test("DescribeAvailabilityZones rejects zones that cannot exist in this region", () => {
  assert.throws(
    () => describeAvailabilityZones({ ZoneNames: ["eu-west-1a"] }, ctx),
    isInvalid("ZoneNames", "The zone 'eu-west-1a' does not exist", "availability-zone"),
  );
  assert.throws(
    () => describeAvailabilityZones({ ZoneNames: ["us-east-1"] }, ctx),
    isInvalid("ZoneNames", "The zone 'us-east-1' does not exist", "availability-zone"),
  );
  assert.throws(
    () => describeAvailabilityZones({ ZoneIds: ["euw1-az1"] }, ctx),
    isInvalid("ZoneIds", /euw1-az1/, "availability-zone"),
  );
});

test("DescribeAvailabilityZones filters", () => {
  const n = (Name: string, ...Values: string[]) =>
    describeAvailabilityZones({ Filters: [{ Name, Values }] }, ctx).AvailabilityZones?.length;
  assert.equal(n("zone-name", "us-east-1?"), 1);
  assert.equal(n("zone-name", "us-east-1b"), 0);
  assert.equal(n("zone-id", "use1-*"), 1);
  assert.equal(n("region-name", "us-east-1"), 1);
  assert.equal(n("state", "available"), 1);
  assert.equal(n("state", "impaired", "unavailable"), 0);
  assert.equal(n("zone-type", "availability-zone"), 1);
  assert.equal(n("zone-type", "local-zone"), 0);
  assert.equal(n("group-name", "us-east-1"), 1);
  assert.equal(n("opt-in-status", "opt-in-not-required"), 1);
  assert.equal(n("network-border-group", "us-east-1"), 1);
  assert.equal(n("message", "*"), 0);
  assert.throws(() => n("endpoint", "x"), isInvalid("Filter", "The filter 'endpoint' is invalid"));
});

// --- DescribeAccountAttributes

test("DescribeAccountAttributes lists the account's limits", () => {
  const out = describeAccountAttributes({}, ctx).AccountAttributes ?? [];
  const flat = Object.fromEntries(out.map((a) => [a.AttributeName, a.AttributeValues?.map((v) => v.AttributeValue)]));
  assert.deepEqual(flat, {
    "supported-platforms": ["VPC"],
    "default-vpc": ["none"],
    "max-instances": ["20"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
  });
  const some = describeAccountAttributes({ AttributeNames: ["default-vpc"] }, ctx).AccountAttributes ?? [];
  assert.deepEqual(some, [{ AttributeName: "default-vpc", AttributeValues: [{ AttributeValue: "none" }] }]);
  assert.throws(
    () => describeAccountAttributes({ AttributeNames: ["colour" as never] }, ctx),
    isInvalid("AttributeNames", /colour/),
  );
});

// --- the action table

const caller: Caller = {
  accountId: "123456789012",
  arn: "arn:aws:iam::123456789012:user/admin",
  userId: "AIDAEXAMPLEUSERID",
  accessKeyId: "AKIAEXAMPLE",
};
const request = <I>(input: I) => ({ requestId: "r-1", caller, region: "us-east-1", input });

test("the catalogue's actions travel the way their data lives", () => {
  const travel = (service: "ec2" | "sts", action: string): string =>
    (catalogue[service] as Record<string, { travel: { kind: string } }>)[action]!.travel.kind;
  assert.deepEqual(
    Object.fromEntries(Object.keys(catalogueHandlers(ctx)).map((a) => [`ec2.${a}`, travel("ec2", a)])),
    {
      "ec2.DescribeRegions": "any",
      "ec2.DescribeAvailabilityZones": "any",
      "ec2.DescribeInstanceTypes": "every",
      "ec2.DescribeAccountAttributes": "any",
    },
  );
  assert.equal(travel("sts", "GetCallerIdentity"), "any");
});

test("GetCallerIdentity echoes the authenticated caller", () => {
  const out = stsHandlers(ctx).GetCallerIdentity(request({}));
  assert.deepEqual(out, { UserId: "AIDAEXAMPLEUSERID", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/admin" });
});

test("handlers pass typed input through", () => {
  const handlers = catalogueHandlers(ctx);
  const types = handlers.DescribeInstanceTypes(request({ InstanceTypes: ["t3.nano"] }));
  assert.deepEqual(types.InstanceTypes?.map((t) => t.InstanceType), ["t3.nano"]);
  const regions = handlers.DescribeRegions(request({}));
  assert.equal(regions.Regions?.length, 1);
  assert.throws(() => handlers.DescribeInstanceTypes(request({ InstanceTypes: ["nope" as "t3.nano"] })), HiveError);
});
