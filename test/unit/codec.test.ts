// Round-trips through the real AWS SDK: its serializer feeds our parser, our XML feeds its deserializer.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
  DescribeAccountAttributesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  EC2Client,
  RunInstancesCommand,
  type DescribeInstanceTypesCommandInput,
} from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { clientConfig, type Handler } from "../helpers/sdk-wire.ts";
import { codecFor } from "../../src/api/codec/index.ts";


class Captured extends Error {
  constructor(readonly body: string) {
    super("captured");
  }
}

// Sends the command through the SDK and returns the form body it would have put on the wire.
async function wireBody(send: (handle: Handler) => Promise<unknown>): Promise<Array<[string, string]>> {
  try {
    await send(async (req) => {
      throw new Captured(String(req.body));
    });
  } catch (err) {
    if (err instanceof Captured) return [...new URLSearchParams(err.body)];
    throw err;
  }
  throw new Error("request was not sent");
}

const xmlReply = (xml: string, statusCode = 200): Handler => async () => ({
  // A plain object is enough: the SDK reads statusCode, headers and the body stream.
  response: { statusCode, headers: { "content-type": "text/xml" }, body: Readable.from([Buffer.from(xml)]) },
});

// aws-sdk v2 is the oracle for IAM (no v3 IAM client is installed); loaded late so its notice can be silenced.
async function iamV2() {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
  const { default: AWS } = await import("aws-sdk/global.js");
  const { default: IAM } = await import("aws-sdk/clients/iam.js");
  return { AWS, iam: new IAM({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } }) };
}

const ec2 = codecFor("ec2");
const sts = codecFor("sts");

describe("codec: parse what the SDK sends (ec2 protocol)", () => {
  it("DescribeInstanceTypes with filters, MaxResults and DryRun", async () => {
    const input: DescribeInstanceTypesCommandInput = {
      InstanceTypes: ["t3.micro", "t3.small"],
      Filters: [
        { Name: "vcpu-info.default-vcpus", Values: ["2", "4"] },
        { Name: "current-generation", Values: ["true"] },
      ],
      MaxResults: 5,
      DryRun: true,
    };
    const params = await wireBody((h) => new EC2Client(clientConfig(h)).send(new DescribeInstanceTypesCommand(input)));
    assert.deepEqual(ec2.parseInput("DescribeInstanceTypes", params), input);
  });

  it("RunInstances with nested structures", async () => {
    const input = {
      ImageId: "ami-12345678",
      InstanceType: "t3.micro" as const,
      MinCount: 1,
      MaxCount: 3,
      KeyName: "k",
      UserData: Buffer.from("#!/bin/sh\necho hi & <bye>\n").toString("base64"),
      SecurityGroupIds: ["sg-1", "sg-2"],
      Placement: { AvailabilityZone: "us-east-1a" },
      Monitoring: { Enabled: false },
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 20, VolumeType: "gp3" as const, DeleteOnTermination: true } },
        { DeviceName: "/dev/xvdb", NoDevice: "" },
      ],
      TagSpecifications: [
        { ResourceType: "instance" as const, Tags: [{ Key: "Name", Value: "web 1" }, { Key: "env", Value: "a=b&c" }] },
      ],
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: "subnet-1", Ipv6Addresses: [{ Ipv6Address: "::1" }], PrivateIpAddresses: [{ PrivateIpAddress: "10.0.0.5", Primary: true }] }],
      ClientToken: "token-1",
      DisableApiTermination: false,
    };
    const params = await wireBody((h) => new EC2Client(clientConfig(h)).send(new RunInstancesCommand(input)));
    // queryName members keep their own wire names.
    assert.ok(params.some(([k]) => k === "NetworkInterface.1.Ipv6Addresses.1.Ipv6Address"), "queryName Ipv6Addresses");
    assert.ok(params.some(([k]) => k === "NetworkInterface.1.PrivateIpAddresses.1.Primary"), "queryName PrivateIpAddresses");
    assert.deepEqual(ec2.parseInput("RunInstances", params), input);
  });

  it("DescribeRegions with AllRegions and RegionNames", async () => {
    const input = { AllRegions: true, RegionNames: ["us-east-1", "eu-west-1"], DryRun: false };
    const params = await wireBody((h) => new EC2Client(clientConfig(h)).send(new DescribeRegionsCommand(input)));
    assert.deepEqual(ec2.parseInput("DescribeRegions", params), input);
  });

  it("timestamps come back as Dates", async () => {
    const { DescribeSpotPriceHistoryCommand } = await import("@aws-sdk/client-ec2");
    const input = { StartTime: new Date("2026-11-29T17:00:00.000Z"), EndTime: new Date("2026-11-29T18:30:01.250Z"), InstanceTypes: ["t3.micro" as const] };
    const params = await wireBody((h) => new EC2Client(clientConfig(h)).send(new DescribeSpotPriceHistoryCommand(input)));
    assert.deepEqual(ec2.parseInput("DescribeSpotPriceHistory", params), input);
  });
});

describe("codec: parse what the SDK sends (awsQuery)", () => {
  it("GetCallerIdentity has no members", async () => {
    const params = await wireBody((h) => new STSClient(clientConfig(h)).send(new GetCallerIdentityCommand({})));
    assert.deepEqual(sts.parseInput("GetCallerIdentity", params), {});
  });

  it("AssumeRole with .member. lists of structures and scalars", async () => {
    const input = {
      RoleArn: "arn:aws:iam::123456789012:role/r",
      RoleSessionName: "s",
      DurationSeconds: 3600,
      Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "" }],
      TransitiveTagKeys: ["a"],
      PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
    };
    const params = await wireBody((h) => new STSClient(clientConfig(h)).send(new AssumeRoleCommand(input)));
    assert.ok(params.some(([k]) => k === "Tags.member.2.Key"), "awsQuery .member. list");
    assert.deepEqual(sts.parseInput("AssumeRole", params), input);
  });

  it("IAM inputs as aws-sdk v2 builds them (lists of structures, empty list)", async () => {
    const { iam } = await iamV2();
    const cases: Array<[string, Record<string, unknown>]> = [
      ["CreateUser", { UserName: "alice", Path: "/", Tags: [{ Key: "team", Value: "x" }] }],
      ["SimulatePrincipalPolicy", { PolicySourceArn: "arn:p", ActionNames: ["s3:GetObject", "ec2:RunInstances"], ContextEntries: [{ ContextKeyName: "k", ContextKeyValues: ["v1", "v2"], ContextKeyType: "string" }], MaxItems: 10 }],
      ["UpdateOpenIDConnectProviderThumbprint", { OpenIDConnectProviderArn: "arn:o", ThumbprintList: [] }],
    ];
    for (const [op, input] of cases) {
      const req = (iam as unknown as Record<string, (p: unknown) => { build(): void; httpRequest: { body: string } }>)[op[0]!.toLowerCase() + op.slice(1)]!.call(iam, input);
      req.build();
      const parsed = codecFor("iam").parseInput(op, [...new URLSearchParams(req.httpRequest.body)]);
      assert.deepEqual(parsed, input, op);
    }
  });
});

describe("codec: the SDK parses what we write", () => {
  async function ec2RoundTrip<T>(action: string, output: Record<string, unknown>, command: unknown): Promise<T> {
    const xml = ec2.serializeOutput(action, output, "req-123");
    const client = new EC2Client(clientConfig(xmlReply(xml)));
    const result = (await client.send(command as never)) as unknown as Record<string, unknown>;
    // The SDK takes a success's request id from headers, so check the document itself.
    assert.match(xml, /<requestId>req-123<\/requestId>/);
    delete result.$metadata;
    return result as T;
  }

  it("DescribeRegions", async () => {
    const out = { Regions: [{ RegionName: "us-east-1", Endpoint: "ec2.us-east-1.hive", OptInStatus: "opt-in-not-required" }, { RegionName: "x&<>\"'", Endpoint: "e" }] };
    assert.deepEqual(await ec2RoundTrip("DescribeRegions", out, new DescribeRegionsCommand({})), out);
  });

  it("DescribeAvailabilityZones", async () => {
    const out = {
      AvailabilityZones: [
        { ZoneName: "us-east-1a", ZoneId: "use1-az1", State: "available", RegionName: "us-east-1", Messages: [{ Message: "ok" }], ZoneType: "availability-zone", GroupName: "us-east-1", NetworkBorderGroup: "us-east-1", OptInStatus: "opt-in-not-required" },
      ],
    };
    assert.deepEqual(await ec2RoundTrip("DescribeAvailabilityZones", out, new DescribeAvailabilityZonesCommand({})), out);
  });

  it("DescribeInstanceTypes with nested info structures", async () => {
    const out = {
      InstanceTypes: [
        {
          InstanceType: "t3.micro",
          CurrentGeneration: true,
          FreeTierEligible: false,
          SupportedUsageClasses: ["on-demand"],
          SupportedRootDeviceTypes: ["ebs"],
          BareMetal: false,
          Hypervisor: "nitro",
          ProcessorInfo: { SupportedArchitectures: ["x86_64", "arm64"], SustainedClockSpeedInGhz: 2.5, Manufacturer: "Intel" },
          VCpuInfo: { DefaultVCpus: 2, DefaultCores: 1, DefaultThreadsPerCore: 2, ValidCores: [1], ValidThreadsPerCore: [1, 2] },
          MemoryInfo: { SizeInMiB: 1024 },
          InstanceStorageSupported: false,
          NetworkInfo: { NetworkPerformance: "Up to 5 Gigabit", MaximumNetworkInterfaces: 2, Ipv6Supported: true },
        },
      ],
      NextToken: "n",
    };
    assert.deepEqual(await ec2RoundTrip("DescribeInstanceTypes", out, new DescribeInstanceTypesCommand({})), out);
  });

  it("DescribeAccountAttributes", async () => {
    const out = { AccountAttributes: [{ AttributeName: "supported-platforms", AttributeValues: [{ AttributeValue: "VPC" }] }, { AttributeName: "max-instances", AttributeValues: [{ AttributeValue: "20" }] }] };
    assert.deepEqual(await ec2RoundTrip("DescribeAccountAttributes", out, new DescribeAccountAttributesCommand({})), out);
  });

  it("timestamps carry milliseconds and parse back", async () => {
    const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
    const launch = new Date("2026-11-29T17:00:00.000Z");
    const xml = ec2.serializeOutput("DescribeInstances", { Reservations: [{ ReservationId: "r-1", Instances: [{ InstanceId: "i-1", LaunchTime: launch }] }] }, "r");
    assert.match(xml, /<launchTime>2026-11-29T17:00:00\.000Z<\/launchTime>/);
    const client = new EC2Client(clientConfig(xmlReply(xml)));
    const result = await client.send(new DescribeInstancesCommand({}));
    assert.deepEqual(result.Reservations?.[0]?.Instances?.[0]?.LaunchTime, launch);
    // Strings are accepted too.
    assert.match(ec2.serializeOutput("DescribeInstances", { Reservations: [{ Instances: [{ LaunchTime: "2026-11-29T17:00:00Z" }] }] }, "r"), /2026-11-29T17:00:00\.000Z/);
  });

  it("operations without output answer <return>true</return>", () => {
    const xml = ec2.serializeOutput("RebootInstances", {}, "r");
    assert.match(xml, /<RebootInstancesResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>r<\/requestId><return>true<\/return>/);
  });

  it("STS GetCallerIdentity", async () => {
    const out = { UserId: "AIDA123", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/alice" };
    const xml = sts.serializeOutput("GetCallerIdentity", out, "rid-9");
    const result = (await new STSClient(clientConfig(xmlReply(xml))).send(new GetCallerIdentityCommand({}))) as unknown as Record<string, unknown>;
    assert.match(xml, /<ResponseMetadata><RequestId>rid-9<\/RequestId><\/ResponseMetadata>/);
    delete result.$metadata;
    assert.deepEqual(result, out);
  });

  it("STS AssumeRole with a nested timestamp", async () => {
    const out = {
      Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date("2026-11-29T18:00:00.000Z") },
      AssumedRoleUser: { AssumedRoleId: "AROA:s", Arn: "arn:aws:sts::1:assumed-role/r/s" },
      PackedPolicySize: 6,
      SourceIdentity: "me",
    };
    const xml = sts.serializeOutput("AssumeRole", out, "rid");
    const result = (await new STSClient(clientConfig(xmlReply(xml))).send(new AssumeRoleCommand({ RoleArn: "a", RoleSessionName: "s" }))) as unknown as Record<string, unknown>;
    delete result.$metadata;
    assert.deepEqual(result, out);
  });

  it("IAM output with a map parses in aws-sdk v2", async () => {
    const out = { SummaryMap: { Users: 3, Roles: 7 } };
    const xml = codecFor("iam").serializeOutput("GetAccountSummary", out, "rid");
    assert.match(xml, /<GetAccountSummaryResult><SummaryMap><entry><key>Users<\/key><value>3<\/value><\/entry>/);
    const { AWS, iam } = await iamV2();
    const resp = { request: iam.getAccountSummary(), httpResponse: { body: Buffer.from(xml), statusCode: 200, headers: {} }, data: undefined as unknown };
    (AWS as unknown as { Protocol: { Query: { extractData(r: unknown): void } } }).Protocol.Query.extractData(resp);
    assert.deepEqual(resp.data, { ...out, ResponseMetadata: { RequestId: "rid" } });
  });
});

describe("codec: errors the SDK understands", () => {
  it("ec2 error document", async () => {
    const xml = ec2.serializeError("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist & <so>", "rq").body;
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>'), xml);
    assert.ok(xml.endsWith("</Errors><RequestID>rq</RequestID></Response>"), xml);
    await assert.rejects(new EC2Client(clientConfig(xmlReply(xml, 400))).send(new DescribeRegionsCommand({})), (err: Error) => {
      assert.equal(err.name, "InvalidInstanceID.NotFound");
      assert.equal(err.message, "The instance ID 'i-1' does not exist & <so>");
      return true;
    });
  });

  it("sts error document", async () => {
    const xml = sts.serializeError("AccessDenied", "Not authorized to perform sts:AssumeRole", "rq2", "Sender").body;
    assert.ok(xml.includes('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'), xml);
    assert.ok(xml.endsWith("</Error><RequestId>rq2</RequestId></ErrorResponse>"), xml);
    await assert.rejects(new STSClient(clientConfig(xmlReply(xml, 403))).send(new GetCallerIdentityCommand({})), (err: Error) => {
      assert.equal(err.name, "AccessDenied");
      assert.equal(err.message, "Not authorized to perform sts:AssumeRole");
      return true;
    });
  });
});
