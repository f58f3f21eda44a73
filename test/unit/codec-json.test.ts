// The JSON protocol's codec, round-tripped through the real SSM client: its serializer feeds our parser, our JSON feeds
// its deserializer, and every error document Hive writes is one the SDKs read the code of.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { EC2Client, DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { clientConfig, type Handler } from "../helpers/sdk-wire.ts";
import { CodecError, codecFor, errorDocument, type Wire } from "../../src/api/codec/index.ts";


const ssm = codecFor("ssm");

/** Sends a command through the SSM client, returns what it put on the wire, and answers with `reply`. */
async function roundTrip<T>(send: (client: SSMClient) => Promise<T>, reply: (action: string, input: Record<string, unknown>) => { status: number; body: string; type?: string }) {
  let seen: { target: string; input: Record<string, unknown> } | undefined;
  const client = new SSMClient(
    clientConfig(async (req) => {
      const target = String(req.headers["x-amz-target"]);
      const action = target.split(".")[1]!;
      const input = ssm.parseJson(action, String(req.body ?? ""));
      seen = { target, input };
      const { status, body, type } = reply(action, input);
      return { response: { statusCode: status, headers: { "content-type": type ?? ssm.contentType }, body: Readable.from([Buffer.from(body)]) } };
    }),
  );
  const result = await send(client);
  return { result, seen: seen! };
}

describe("codec: the JSON protocol (SSM)", () => {
  it("is the JSON 1.1 protocol with the AmazonSSM target prefix", () => {
    assert.equal(ssm.protocol, "json");
    assert.equal(ssm.targetPrefix, "AmazonSSM");
    assert.equal(ssm.contentType, "application/x-amz-json-1.1");
    assert.equal(ssm.hasAction("GetParametersByPath"), true);
  });

  it("reads what the SDK sends: strings, booleans, lists of structures, numbers", async () => {
    const { seen } = await roundTrip(
      (c) =>
        c.send(
          new GetParametersByPathCommand({
            Path: "/app",
            Recursive: true,
            WithDecryption: false,
            MaxResults: 7,
            ParameterFilters: [{ Key: "Type", Option: "Equals", Values: ["SecureString", "String"] }],
          }),
        ),
      (action) => ({ status: 200, body: ssm.serializeOutput(action, { Parameters: [] }, "r") }),
    );
    assert.equal(seen.target, "AmazonSSM.GetParametersByPath");
    assert.deepEqual(seen.input, {
      Path: "/app",
      Recursive: true,
      WithDecryption: false,
      MaxResults: 7,
      ParameterFilters: [{ Key: "Type", Option: "Equals", Values: ["SecureString", "String"] }],
    });
  });

  it("writes what the SDK reads: timestamps as epoch seconds, longs, nested lists; unknown members stay home", async () => {
    const when = new Date("2026-12-02T10:11:12.345Z");
    const { result } = await roundTrip(
      (c) => c.send(new GetParameterHistoryCommand({ Name: "/app/db" })),
      (action) => ({
        status: 200,
        body: ssm.serializeOutput(
          action,
          {
            Parameters: [{ Name: "/app/db", Type: "String", Value: "v1", Version: 3, LastModifiedDate: when, Labels: ["prod", "blue"], Secret: "x" }],
            _owned: ["x"],
          },
          "r",
        ),
      }),
    );
    const [p] = result.Parameters!;
    assert.equal(p!.Version, 3);
    assert.equal(p!.LastModifiedDate!.getTime(), when.getTime());
    assert.deepEqual(p!.Labels, ["prod", "blue"]);
    assert.equal((p as Record<string, unknown>).Secret, undefined);
  });

  it("the SDK reads Hive's JSON error document as the named exception", async () => {
    await assert.rejects(
      roundTrip(
        (c) => c.send(new GetParameterCommand({ Name: "/nope" })),
        () => ({ status: 400, body: ssm.serializeError("ParameterNotFound", "Parameter /nope not found.", "r").body }),
      ),
      (err: Error) => {
        assert.equal(err.name, "ParameterNotFound");
        assert.equal(err.message, "Parameter /nope not found.");
        return true;
      },
    );
  });

  it("refuses a missing member, a member it does not know, and values of the wrong JSON type, naming them", () => {
    const fails = (body: string, code: string, text: RegExp) =>
      assert.throws(
        () => ssm.parseJson("PutParameter", body),
        (err: unknown) => err instanceof CodecError && err.code === code && text.test(err.message),
      );
    fails(`{"Value":"v"}`, "ValidationException", /Value null at 'name' failed to satisfy constraint: Member must not be null/);
    fails(`{"Name":"/a","Value":"v","Colour":"red"}`, "ValidationException", /'colour' is not a parameter/);
    fails(`{"Name":"/a","Value":"v","Overwrite":"yes"}`, "SerializationException", /'overwrite' must be true or false/);
    fails(`{"Name":"/a","Value":7}`, "SerializationException", /'value' must be a string/);
    fails(`{"Name":"/a","Value":"v","Tags":{"Key":"k"}}`, "SerializationException", /'tags' must be a list/);
    fails(`{"Name":"/a","Value":"v","Tags":[{"Value":"v"}]}`, "ValidationException", /'tags\.1\.member\.key'/);
    fails(`{"Name":`, "SerializationException", /not valid JSON/);
    fails(`[1]`, "SerializationException", /JSON object/);
    assert.deepEqual(ssm.parseJson("PutParameter", `{"Name":"/a","Value":"v","Description":null}`), { Name: "/a", Value: "v" });
    // A key named __proto__ is a member name the model lacks, not a prototype swap.
    fails(`{"Name":"/a","Value":"v","__proto__":{"x":1}}`, "ValidationException", /not a parameter/);
    assert.deepEqual(ssm.parseJson("DescribeParameters", ""), {});
  });

  it("the Query codecs keep to their protocol", () => {
    assert.throws(() => codecFor("ec2").parseJson("DescribeRegions", "{}"), /speaks ec2/);
    assert.throws(() => ssm.parseInput("GetParameter", [["Name", "x"]]), /speaks json/);
  });
});

describe("error documents in every protocol an SDK may have spoken", () => {
  const reply = (wire: Wire, code: string, status: number): Handler => async () => {
    const doc = errorDocument(wire, code, "said why", "rid");
    return {
      response: { statusCode: status, headers: { "content-type": doc.contentType, ...doc.headers }, body: Readable.from([Buffer.from(doc.body)]) },
    };
  };
  const named = (code: string) => (err: Error) => {
    assert.equal(err.name, code);
    assert.equal(err.message, "said why");
    return true;
  };

  it("JSON: the SSM client reads UnknownOperationException", async () => {
    await assert.rejects(new SSMClient(clientConfig(reply("json", "UnknownOperationException", 400))).send(new PutParameterCommand({ Name: "a", Value: "b" })), named("UnknownOperationException"));
  });
  it("EC2 and awsQuery: their clients read InvalidAction", async () => {
    await assert.rejects(new EC2Client(clientConfig(reply("ec2", "InvalidAction", 400))).send(new DescribeRegionsCommand({})), named("InvalidAction"));
    await assert.rejects(new STSClient(clientConfig(reply("query", "InvalidAction", 400))).send(new GetCallerIdentityCommand({})), named("InvalidAction"));
  });
  it("S3: a bare <Error> document with its code", () => {
    const doc = errorDocument("s3", "NotImplemented", "said why", "rid");
    assert.match(doc.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NotImplemented<\/Code><Message>said why<\/Message><RequestId>rid<\/RequestId><\/Error>$/);
  });
  it("REST-JSON: the code in x-amzn-errortype and the body", () => {
    const doc = errorDocument("rest-json", "UnknownOperationException", "said why", "rid");
    assert.equal(doc.headers?.["x-amzn-errortype"], "UnknownOperationException");
    assert.deepEqual(JSON.parse(doc.body), { code: "UnknownOperationException", message: "said why" });
  });
});
