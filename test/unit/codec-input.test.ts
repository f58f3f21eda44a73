// Bad and hostile query input: every failure is a CodecError with the right code, nothing else ever escapes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as sdk from "@aws-sdk/client-ec2";
import { CodecError, codecFor, createCodec, type CodecErrorCode } from "../../src/api/codec/index.ts";
import { modelFromJson, type RawModel } from "../../src/api/codec/model.ts";
import { extraTraits } from "../../src/api/codec/traits.ts";

const ec2 = codecFor("ec2");

function fails(action: string, params: Array<[string, string]>, code: CodecErrorCode, message?: RegExp, codec = ec2): void {
  assert.throws(
    () => codec.parseInput(action, params),
    (err: unknown) => {
      assert.ok(err instanceof CodecError, `not a CodecError: ${String(err)}`);
      assert.equal(err.code, code);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

const run: Array<[string, string]> = [["ImageId", "ami-1"], ["MinCount", "1"], ["MaxCount", "1"]];

describe("codec: bad input", () => {
  it("missing required members", () => {
    fails("RunInstances", [["ImageId", "ami-1"], ["MaxCount", "1"]], "MissingParameter", /^The request must contain the parameter MinCount$/);
  });

  it("missing required members of nested structures name the full wire path", () => {
    fails("RunInstances", [...run, ["ElasticInferenceAccelerator.2.Count", "1"]], "MissingParameter", /parameter ElasticInferenceAccelerator\.2\.Type$/);
  });

  it("unknown parameters", () => {
    fails("DescribeRegions", [["Bogus", "1"]], "UnknownParameter", /^The parameter Bogus is not recognized$/);
    fails("DescribeRegions", [["Filter.1.Nam", "x"]], "UnknownParameter", /Filter\.1\.Nam/);
    fails("DescribeRegions", [["AllRegions.1", "true"]], "UnknownParameter");
    fails("DescribeRegions", [["Filter.1", "x"]], "UnknownParameter");
    fails("DescribeRegions", [["RegionName", "us-east-1"]], "UnknownParameter");
    fails("DescribeRegions", [["", ""]], "UnknownParameter");
    fails("DescribeRegions", [["dryRun", "true"]], "UnknownParameter");
    fails("DescribeRegions", [["DryRun", "true"], ["Filter.1.Name.x.y.z.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b", "v"]], "UnknownParameter");
  });

  it("bad scalars", () => {
    fails("DescribeInstanceTypes", [["MaxResults", "abc"]], "InvalidParameterValue", /^Value \(abc\) for parameter MaxResults is invalid\. /);
    fails("DescribeInstanceTypes", [["MaxResults", "5.5"]], "InvalidParameterValue");
    fails("DescribeInstanceTypes", [["MaxResults", ""]], "InvalidParameterValue");
    fails("DescribeInstanceTypes", [["MaxResults", "99999999999999999999"]], "InvalidParameterValue");
    fails("DescribeInstanceTypes", [["MaxResults", "4"]], "InvalidParameterValue", /at least 5/);
    fails("DescribeInstanceTypes", [["MaxResults", "101"]], "InvalidParameterValue", /at most 100/);
    fails("DescribeInstanceTypes", [["DryRun", "maybe"]], "InvalidParameterValue", /Value \(maybe\) for parameter DryRun/);
    fails("DescribeInstanceTypes", [["DryRun", ""]], "InvalidParameterValue");
    fails("DescribeSpotPriceHistory", [["StartTime", "yesterday"]], "InvalidParameterValue", /StartTime/);
    fails("DescribeSpotPriceHistory", [["StartTime", "2026-13-45T99:00:00Z"]], "InvalidParameterValue");
    assert.deepEqual(ec2.parseInput("DescribeSpotPriceHistory", [["StartTime", "1700000000"]]), { StartTime: new Date(1700000000_000) });
    assert.deepEqual(ec2.parseInput("DescribeInstanceTypes", [["DryRun", "FALSE"]]), { DryRun: false });
  });

  it("enum values", () => {
    fails("CreateVolume", [["AvailabilityZone", "us-east-1a"], ["VolumeType", "bogus"]], "InvalidParameterValue", /^Value \(bogus\) for parameter VolumeType is invalid\. Valid values are: /);
    fails("RunInstances", [...run, ["BlockDeviceMapping.1.Ebs.VolumeType", "gp9"]], "InvalidParameterValue", /BlockDeviceMapping\.1\.Ebs\.VolumeType/);
    fails("RunInstances", [...run, ["InstanceInitiatedShutdownBehavior", "explode"]], "InvalidParameterValue");
    assert.equal((ec2.parseInput("RunInstances", [...run, ["BlockDeviceMapping.1.Ebs.VolumeType", "gp3"]]).BlockDeviceMappings as unknown[]).length, 1);
  });

  it("list indexes", () => {
    fails("DescribeRegions", [["Filter.0.Name", "a"]], "InvalidParameterValue", /Filter\.0\.Name/);
    fails("DescribeRegions", [["Filter.x.Name", "a"]], "InvalidParameterValue");
    fails("DescribeRegions", [["Filter.-1.Name", "a"]], "InvalidParameterValue");
    fails("DescribeRegions", [["Filter.01.Name", "a"]], "InvalidParameterValue");
    fails("DescribeRegions", [["Filter..Name", "a"]], "InvalidParameterValue");
    fails("DescribeRegions", [["Filter.1e3.Name", "a"]], "InvalidParameterValue");
    fails("DescribeRegions", [["Filter.12345678901.Name", "a"]], "InvalidParameterValue");
    // Gaps are fine, order follows the index.
    assert.deepEqual(ec2.parseInput("DescribeRegions", [["RegionName.10", "c"], ["RegionName.2", "b"], ["RegionName.1", "a"]]), { RegionNames: ["a", "b", "c"] });
    // An empty list can be sent as `Name=`.
    assert.deepEqual(ec2.parseInput("DescribeRegions", [["RegionName", ""]]), { RegionNames: [] });
  });

  it("absurd indexes stay cheap", () => {
    const start = performance.now();
    const out = ec2.parseInput("DescribeRegions", [["Filter.99999999.Name", "a"], ["Filter.999999999.Value.999999999", "b"]]);
    assert.deepEqual(out, { Filters: [{ Name: "a" }, { Values: ["b"] }] });
    assert.ok(performance.now() - start < 50, "took too long");
  });

  it("prototype pollution keys are just unknown", () => {
    fails("DescribeRegions", [["__proto__.x", "1"]], "UnknownParameter");
    fails("DescribeRegions", [["constructor.prototype.x", "1"]], "UnknownParameter");
    fails("DescribeRegions", [["Filter.1.__proto__", "1"]], "UnknownParameter");
    fails("DescribeRegions", [["hasOwnProperty", "1"]], "UnknownParameter");
    assert.equal(({} as Record<string, unknown>).x, undefined, "Object.prototype was polluted");
  });

  it("empty strings are kept for strings, refused for numbers", () => {
    assert.deepEqual(ec2.parseInput("RunInstances", [...run, ["KeyName", ""]]).KeyName, "");
    fails("RunInstances", [["ImageId", "a"], ["MinCount", ""], ["MaxCount", "1"]], "InvalidParameterValue");
  });

  it("Action, Version and SigV4 query parameters are skipped", () => {
    assert.deepEqual(
      ec2.parseInput("DescribeRegions", [["Action", "DescribeRegions"], ["Version", "2016-11-15"], ["X-Amz-Signature", "abc"], ["X-Amz-Credential", "x"]]),
      {},
    );
  });

  it("unknown actions are a CodecError, and hasAction knows the model", () => {
    fails("NoSuchAction", [], "InvalidParameterValue");
    fails("__proto__", [], "InvalidParameterValue");
    assert.equal(ec2.hasAction("DescribeRegions"), true);
    assert.equal(ec2.hasAction("toString"), false);
    assert.equal(ec2.actions().length > 600, true);
    assert.equal(codecFor("sts").hasAction("GetCallerIdentity"), true);
  });

  it("a seeded fuzz loop only ever yields CodecError or a result", () => {
    let seed = 0x2f6e2b1;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pieces = ["Filter", "Name", "Value", "1", "2", "0", "-1", "99999999", "", "member", "entry", "key", "value", "__proto__", "constructor", "RegionName", "DryRun", "MaxResults", "InstanceType", "BlockDeviceMapping", "Ebs", "VolumeSize", "TagSpecification", "Tag", "Key", "x", "Tags", "PolicyArns", "arn"];
    const values = ["", "true", "FALSE", "1", "-5", "1e3", "abc", "\u0000", "\uD800", "<&>", "2026-11-29T17:00:00Z", "9".repeat(30)];
    const valid = ["Filter.1.Name", "Filter.2.Value.1", "RegionName.1", "DryRun", "MaxResults", "InstanceType.1", "Tags.member.1.Key", "Tags.member.1.Value", "UserName", "Path", "RoleArn", "RoleSessionName", "ResourceId.1", "Tag.1.Key"];
    const codecs = [ec2, codecFor("sts"), codecFor("iam")];
    const actions = [["DescribeRegions", "DescribeInstanceTypes", "RunInstances", "CreateTags"], ["AssumeRole", "GetCallerIdentity"], ["CreateUser", "SimulatePrincipalPolicy", "GetAccountSummary"]];
    let ok = 0;
    for (let round = 0; round < 5000; round++) {
      const which = rand(3);
      const params: Array<[string, string]> = [];
      for (let p = rand(5); p >= 0; p--) {
        if (rand(3) === 0) {
          params.push([valid[rand(valid.length)]!, values[rand(values.length)]!]);
          continue;
        }
        const parts = [];
        for (let s = rand(6); s >= 0; s--) parts.push(pieces[rand(pieces.length)]!);
        params.push([parts.join("."), values[rand(values.length)]!]);
      }
      const acts = actions[which]!;
      try {
        codecs[which]!.parseInput(acts[rand(acts.length)]!, params);
        ok++;
      } catch (err) {
        assert.ok(err instanceof CodecError, `${String(err)} for ${JSON.stringify(params)}`);
      }
    }
    // Messages are explicit: a failing bare assert.ok re-parses the transpiled source, which is very slow under tsx.
    assert.ok(ok > 5, `only ${ok} inputs parsed`);
  });
});

describe("codec: extra traits match the SDK's enums", () => {
  it("every trait path exists in the model", () => {
    for (const [service, ops] of Object.entries(extraTraits)) {
      for (const op of Object.keys(ops)) {
        try {
          codecFor(service as "ec2").parseInput(op, []);
        } catch (err) {
          assert.ok(err instanceof CodecError, `${service} ${op}: ${String(err)}`);
        }
      }
    }
  });

  it("every enum in traits.ts is one the SDK knows", () => {
    const enums: Record<string, Record<string, string>> = {
      "BlockDeviceMappings.Ebs.VolumeType": sdk.VolumeType,
      VolumeType: sdk.VolumeType,
      InstanceInitiatedShutdownBehavior: sdk.ShutdownBehavior,
      LocationType: sdk.LocationType,
    };
    for (const [, paths] of Object.entries(extraTraits.ec2 ?? {})) {
      for (const [path, traits] of Object.entries(paths)) {
        if (!traits.enum) continue;
        assert.deepEqual([...traits.enum].sort(), Object.values(enums[path]!).sort(), path);
      }
    }
  });
});

describe("codec: awsQuery features the shipped models do not use", () => {
  // A tiny model with flattened lists, maps and member locationNames, which IAM/STS inputs never exercise.
  const raw: RawModel = {
    metadata: { apiVersion: "2020-01-01", protocol: "query", xmlNamespace: "https://example.test/doc/" },
    operations: {
      Put: {
        input: {
          type: "structure",
          required: ["Name"],
          members: {
            Name: { locationName: "TheName" },
            Flat: { type: "list", flattened: true, member: { locationName: "FlatItem" } },
            Attrs: { type: "map", key: { locationName: "K" }, value: { locationName: "V", type: "integer" } },
            FlatMap: { type: "map", flattened: true, key: {}, value: {} },
            Data: { type: "blob" },
            Ratio: { type: "double", min: 0, max: 1 },
            Color: { enum: ["red", "green"] },
          },
        },
        output: {
          resultWrapper: "PutResult",
          type: "structure",
          members: {
            Flat: { type: "list", flattened: true, member: { locationName: "FlatItem" } },
            Attrs: { type: "map", key: {}, value: { type: "integer" } },
            FlatMap: { type: "map", flattened: true, key: { locationName: "K" }, value: {} },
            Data: { type: "blob" },
            Stamp: { type: "timestamp" },
          },
        },
      },
    },
    shapes: {},
  };
  const codec = createCodec("iam", modelFromJson(raw));

  it("parses flattened lists, maps and blobs", () => {
    const out = codec.parseInput("Put", [
      ["TheName", "n"],
      ["FlatItem.2", "b"],
      ["FlatItem.1", "a"],
      ["Attrs.entry.1.K", "x"],
      ["Attrs.entry.1.V", "7"],
      ["Attrs.entry.2.K", "__proto__"],
      ["Attrs.entry.2.V", "8"],
      ["FlatMap.1.key", "k"],
      ["FlatMap.1.value", "v"],
      ["Data", Buffer.from([1, 2, 255]).toString("base64")],
      ["Ratio", "0.25"],
      ["Color", "red"],
    ]);
    const attrs = out.Attrs as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.entries(attrs), [["x", 7], ["__proto__", 8]]);
    assert.deepEqual({ ...out, Attrs: undefined }, { Name: "n", Flat: ["a", "b"], Attrs: undefined, FlatMap: { k: "v" }, Data: new Uint8Array([1, 2, 255]), Ratio: 0.25, Color: "red" });
  });

  it("rejects bad maps, blobs, ranges and enums", () => {
    fails("Put", [["TheName", "n"], ["Attrs.entry.1.K", "x"]], "MissingParameter", /Attrs\.entry\.1\.value/, codec);
    fails("Put", [["TheName", "n"], ["Attrs.entry.1.Z", "x"]], "UnknownParameter", undefined, codec);
    fails("Put", [["TheName", "n"], ["Data", "!!"]], "InvalidParameterValue", undefined, codec);
    fails("Put", [["TheName", "n"], ["Ratio", "1.5"]], "InvalidParameterValue", undefined, codec);
    fails("Put", [["TheName", "n"], ["Ratio", "NaN"]], "InvalidParameterValue", undefined, codec);
    fails("Put", [["TheName", "n"], ["Color", "blue"]], "InvalidParameterValue", /Valid values are: red, green/, codec);
    fails("Put", [["Name", "n"]], "UnknownParameter", undefined, codec);
    fails("Put", [], "MissingParameter", /TheName$/, codec);
  });

  it("writes flattened lists, maps, blobs and timestamps", () => {
    const xml = codec.serializeOutput("Put", { Flat: ["a", "b"], Attrs: { x: 1 }, FlatMap: { k: "v" }, Data: new Uint8Array([1, 2, 255]), Stamp: new Date(0), Ignored: 1 }, "r");
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<PutResponse xmlns="https://example.test/doc/"><PutResult>' +
        "<FlatItem>a</FlatItem><FlatItem>b</FlatItem><Attrs><entry><key>x</key><value>1</value></entry></Attrs>" +
        "<FlatMap><K>k</K><value>v</value></FlatMap><Data>AQL/</Data><Stamp>1970-01-01T00:00:00.000Z</Stamp>" +
        "</PutResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutResponse>",
    );
  });

  it("escapes text XML cannot otherwise carry", () => {
    const xml = codecFor("sts").serializeOutput("GetCallerIdentity", { Arn: "a&b<c>\"d'e\r\u0001\uD800" }, "r");
    assert.match(xml, /<Arn>a&amp;b&lt;c&gt;&quot;d&apos;e&#xD;\uFFFD\uFFFD<\/Arn>/);
  });
});
