// End to end: the compiled dist/hive, a real nats-server, the real aws CLI and @aws-sdk/client-ec2.
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DescribeInstanceTypesCommand, DescribeRegionsCommand, paginateDescribeInstanceTypes } from "@aws-sdk/client-ec2";
import { DescribeParametersCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { connect } from "nats";
import { alive, aws, ec2Client, rawRequest, runHive, ssmClient, startHive, stsClient, type HiveInstance } from "../helpers/hive.ts";
import { presignedPath, signedForm, signedJson } from "../helpers/sign.ts";
import { errorCodeOf, parseXml } from "../helpers/xml.ts";

let hive: HiveInstance;

before(async () => {
  hive = await startHive();
});
after(async () => {
  await hive?.stop();
});

const signer = () => ({ endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey });

describe("the aws CLI gets AWS's answers", () => {
  test("describe-regions lists this appliance's region with its endpoint", () => {
    const r = aws(hive, ["ec2", "describe-regions"]);
    assert.equal(r.status, 0, r.stderr);
    const regions = r.json().Regions;
    assert.deepEqual(regions.map((x: any) => x.RegionName), ["us-east-1"]);
    assert.equal(regions[0].OptInStatus, "opt-in-not-required");
    assert.match(regions[0].Endpoint, new RegExp(`localhost:${hive.ports.gateway}`));
  });

  test("describe-availability-zones names this node's zone", () => {
    const r = aws(hive, ["ec2", "describe-availability-zones"]);
    assert.equal(r.status, 0, r.stderr);
    const [zone, ...rest] = r.json().AvailabilityZones;
    assert.equal(rest.length, 0);
    assert.equal(zone.ZoneName, "us-east-1a");
    assert.equal(zone.ZoneId, "use1-az1");
    assert.equal(zone.State, "available");
    assert.equal(zone.RegionName, "us-east-1");
  });

  test("a zone this appliance does not have is InvalidParameterValue naming it", () => {
    const r = aws(hive, ["ec2", "describe-availability-zones", "--zone-names", "us-east-1b"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /InvalidParameterValue.*us-east-1b/);
  });

  test("describe-instance-types filtered to this host's t3 micro gives 2 vCPUs and 1 GiB", () => {
    // AMD hosts offer the "a" families (t3a), Intel hosts the others (t3), as EC2 does by processor.
    const micro = /AuthenticAMD/.test(fs.readFileSync("/proc/cpuinfo", "utf8")) ? "t3a.micro" : "t3.micro";
    const r = aws(hive, ["ec2", "describe-instance-types", "--filters", `Name=instance-type,Values=${micro}`]);
    assert.equal(r.status, 0, r.stderr);
    const types = r.json().InstanceTypes;
    assert.equal(types.length, 1);
    assert.equal(types[0].InstanceType, micro);
    assert.equal(types[0].VCpuInfo.DefaultVCpus, 2);
    assert.equal(types[0].MemoryInfo.SizeInMiB, 1024);
    assert.deepEqual(types[0].ProcessorInfo.SupportedArchitectures, ["x86_64"]);
    assert.equal(types[0].BurstablePerformanceSupported, true);
  });

  test("describe-instance-types offers only types that fit this host", () => {
    const r = aws(hive, ["ec2", "describe-instance-types"]);
    assert.equal(r.status, 0, r.stderr);
    const cpus = (fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm) ?? []).length;
    for (const t of r.json().InstanceTypes) assert.ok(t.VCpuInfo.DefaultVCpus <= cpus, `${t.InstanceType} has more vCPUs than the host`);
  });

  test("an unknown instance type is InvalidInstanceType", () => {
    const r = aws(hive, ["ec2", "describe-instance-types", "--instance-types", "t9.gigantic"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /InvalidInstanceType/);
  });

  test("describe-account-attributes answers supported-platforms", () => {
    const r = aws(hive, ["ec2", "describe-account-attributes", "--attribute-names", "supported-platforms"]);
    assert.equal(r.status, 0, r.stderr);
    const attrs = r.json().AccountAttributes;
    assert.equal(attrs.length, 1);
    assert.deepEqual(attrs[0].AttributeValues.map((v: any) => v.AttributeValue), ["VPC"]);
    const max = aws(hive, ["ec2", "describe-account-attributes", "--attribute-names", "max-instances"]);
    assert.equal(max.status, 0, max.stderr);
    assert.equal(max.json().AccountAttributes[0].AttributeName, "max-instances");
  });

  test("sts get-caller-identity names the admin of this appliance's account", () => {
    const r = aws(hive, ["sts", "get-caller-identity"]);
    assert.equal(r.status, 0, r.stderr);
    const id = r.json();
    assert.equal(id.Account, hive.accountId);
    assert.equal(id.Arn, `arn:aws:iam::${hive.accountId}:user/admin`);
    assert.match(id.UserId, /^AIDA[0-9A-Z]{17}$/);
  });

  test("--dry-run answers DryRunOperation", () => {
    const r = aws(hive, ["ec2", "describe-regions", "--dry-run"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /DryRunOperation/);
  });

  test("an action Hive has not built yet is UnsupportedOperation", () => {
    const r = aws(hive, ["ec2", "describe-spot-price-history"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /UnsupportedOperation/);
  });
});

describe("the SDK gets AWS's answers", () => {
  test("DescribeRegions through @aws-sdk/client-ec2", async () => {
    const out = await ec2Client(hive).send(new DescribeRegionsCommand({}));
    assert.equal(out.Regions?.[0]?.RegionName, "us-east-1");
  });

  test("paginating DescribeInstanceTypes 5 at a time gives the whole list once", async () => {
    const client = ec2Client(hive);
    const all = (await client.send(new DescribeInstanceTypesCommand({}))).InstanceTypes!.map((t) => t.InstanceType);
    const paged: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstanceTypes({ client }, { MaxResults: 5 })) {
      pages++;
      assert.ok(page.InstanceTypes!.length <= 5);
      paged.push(...page.InstanceTypes!.map((t) => t.InstanceType!));
    }
    assert.deepEqual(paged, all);
    assert.equal(pages, Math.max(1, Math.ceil(all.length / 5)));
  });

  test("MaxResults outside 5..100 is InvalidParameterValue", async () => {
    await assert.rejects(ec2Client(hive).send(new DescribeInstanceTypesCommand({ MaxResults: 2 })), (e: any) => e.name === "InvalidParameterValue");
  });

  test("a keep-alive connection left idle for 15 s still carries the next call", async () => {
    // SDKs pool connections; a server that drops them while idle (Bun's default is 10 s) races the client's next send.
    const agent = new https.Agent({ ca: hive.ca, keepAlive: true, maxSockets: 1 });
    const call = () =>
      new Promise<{ status: number; port: number; reused: boolean }>((resolve, reject) => {
        const req = https.get(`${hive.endpoint}/?Action=DescribeRegions&Version=2016-11-15`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, port: req.socket!.localPort!, reused: req.reusedSocket }));
        });
        req.on("error", reject);
      });
    try {
      const first = await call();
      assert.equal(first.status, 401, "unsigned: MissingAuthenticationToken, on a connection kept open");
      await new Promise((r) => setTimeout(r, 15_000));
      const second = await call();
      assert.deepEqual([second.reused, second.port], [true, first.port], "the same connection, still open");
    } finally {
      agent.destroy();
    }
  });

  test("GetCallerIdentity through @aws-sdk/client-sts", async () => {
    const out = await stsClient(hive).send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, hive.accountId);
  });
});

describe("requests that must be refused", () => {
  test("a wrong secret is AuthFailure for EC2", () => {
    const r = aws(hive, ["ec2", "describe-regions"], { AWS_SECRET_ACCESS_KEY: "x".repeat(40) });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /AuthFailure/);
  });

  test("a wrong secret is SignatureDoesNotMatch for STS", async () => {
    await assert.rejects(stsClient(hive, "y".repeat(40)).send(new GetCallerIdentityCommand({})), (e: any) => e.name === "SignatureDoesNotMatch");
  });

  test("an unknown access key is AuthFailure for EC2 and InvalidClientTokenId for STS", () => {
    const e = aws(hive, ["ec2", "describe-regions"], { AWS_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA" });
    assert.match(e.stderr, /AuthFailure/);
    const s = aws(hive, ["sts", "get-caller-identity"], { AWS_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA" });
    assert.match(s.stderr, /InvalidClientTokenId/);
  });

  test("a request signed 20 minutes ago is RequestExpired", async () => {
    const signed = await signedForm({ ...signer(), signingDate: new Date(Date.now() - 20 * 60_000) }, "Action=DescribeRegions&Version=2016-11-15");
    const res = await rawRequest(hive, signed);
    assert.equal(res.status, 400);
    assert.equal(errorCodeOf(res.body), "RequestExpired");
  });

  test("a body changed after signing is refused", async () => {
    const signed = await signedForm(signer(), "Action=DescribeRegions&Version=2016-11-15", "Action=DescribeRegions&Version=2016-11-15&DryRun=true");
    const res = await rawRequest(hive, signed);
    assert.equal(res.status, 401);
    assert.equal(errorCodeOf(res.body), "AuthFailure");
  });

  test("no authentication at all is MissingAuthenticationToken", async () => {
    const res = await rawRequest(hive, { body: "Action=DescribeRegions&Version=2016-11-15", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(errorCodeOf(res.body), "MissingAuthenticationToken");
    assert.match(res.body, /<Response><Errors><Error>/);
  });

  test("a presigned GET URL is accepted, and refused once tampered with", async () => {
    const p = await presignedPath(signer(), { Action: "DescribeRegions", Version: "2016-11-15" });
    const ok = await rawRequest(hive, { method: "GET", path: p });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(parseXml(ok.body).DescribeRegionsResponse.regionInfo.item.regionName, "us-east-1");
    const bad = await rawRequest(hive, { method: "GET", path: p.replace("DescribeRegions", "DescribeAvailabilityZones") });
    assert.equal(errorCodeOf(bad.body), "AuthFailure");
  });

  test("an unknown action is InvalidAction, a bad value InvalidParameterValue, a missing one MissingParameter", async () => {
    const send = async (body: string) => {
      const res = await rawRequest(hive, await signedForm(signer(), body));
      return { status: res.status, code: errorCodeOf(res.body), body: res.body };
    };
    assert.equal((await send("Action=LaunchRockets&Version=2016-11-15")).code, "InvalidAction");
    const bad = await send("Action=DescribeInstanceTypes&Version=2016-11-15&MaxResults=abc");
    assert.equal(bad.code, "InvalidParameterValue");
    assert.match(bad.body, /MaxResults/);
    const missing = await send("Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678901234567&MinCount=1");
    assert.equal(missing.code, "MissingParameter");
    assert.match(missing.body, /MaxCount/);
    assert.equal((await send("Version=2016-11-15")).code, "MissingParameter");
  });
});

describe("every caller gets its answer in the protocol it spoke", () => {
  test("aws CLI calls of services Hive does not serve fail with the code their protocol carries", () => {
    const refused = (args: string[], code: RegExp) => {
      const r = aws(hive, args);
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, code, r.stderr);
      assert.match(r.stderr, /does not serve/, r.stderr);
    };
    refused(["dynamodb", "list-tables"], /UnknownOperationException/); // JSON 1.0
    refused(["logs", "describe-log-groups"], /UnknownOperationException/); // JSON 1.1
    refused(["sns", "list-topics"], /InvalidAction/); // awsQuery
    refused(["lambda", "list-functions"], /UnknownOperationException/); // REST-JSON
    refused(["route53", "list-hosted-zones"], /InvalidAction/); // REST-XML
    refused(["s3api", "list-buckets"], /NotImplemented/); // S3
  });

  test("the SSM client reads Hive's JSON answers: an action not built yet, an unknown target, a bad secret", async () => {
    const notYet = await ssmClient(hive).send(new SendCommandCommand({ DocumentName: "AWS-RunShellScript", InstanceIds: ["i-0123456789abcdef0"] })).catch((e: Error) => e);
    assert.equal((notYet as Error).name, "UnsupportedOperation");
    assert.match((notYet as Error).message, /SendCommand/);
    const badSecret = await ssmClient(hive, "x".repeat(40)).send(new DescribeParametersCommand({})).catch((e: Error) => e);
    assert.equal((badSecret as Error).name, "InvalidSignatureException");

    const raw = async (target: string, body: string) => {
      const res = await rawRequest(hive, await signedJson(signer(), "ssm", target, body));
      return { status: res.status, type: res.headers["content-type"], json: JSON.parse(res.body) };
    };
    const unknown = await raw("AmazonSSM.LaunchRockets", "{}");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.type, "application/x-amz-json-1.1");
    assert.equal(unknown.json.__type, "UnknownOperationException");
    assert.equal((await raw("AmazonEC2.DescribeRegions", "{}")).json.__type, "UnknownOperationException");
    const broken = await raw("AmazonSSM.GetParameter", `{"Name":`);
    assert.equal(broken.json.__type, "SerializationException");
    const missing = await raw("AmazonSSM.GetParameter", `{}`);
    assert.equal(missing.json.__type, "ValidationException");
    assert.match(missing.json.message, /'name'/);
  });
});

describe("the hive command line", () => {
  test("hive status reports the node and a connected NATS", () => {
    const r = runHive(["status", "--json", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.region, "us-east-1");
    assert.equal(s.nats.connected, true);
    assert.ok(s.uptimeSeconds >= 0);
    assert.equal(s.nodes.length, 1);
    // What block storage takes on the data directory's filesystem, and what that filesystem has left.
    assert.ok(s.daemon.storage.filesystem.totalBytes > s.daemon.storage.filesystem.freeBytes);
    assert.equal(typeof s.daemon.storage.volumes.allocatedBytes, "number");
    const text = runHive(["status", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.match(text.stdout, /^storage {3}\d+ volumes [\d.]+ GiB, \d+ snapshots [\d.]+ GiB, \d+ images [\d.]+ GiB; [\d.]+ GiB free of [\d.]+ GiB$/m);
  });

  test("hive env prints the five AWS variables", () => {
    assert.deepEqual(Object.keys(hive.env).sort(), ["AWS_ACCESS_KEY_ID", "AWS_CA_BUNDLE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_SECRET_ACCESS_KEY"]);
    assert.match(hive.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(hive.secretAccessKey.length, 40);
  });

  test("hive init refuses to overwrite a data directory without --force", () => {
    const r = runHive(["init", "--data-dir", hive.dataDir, "--no-aws-profile"], { HOME: hive.home });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already initialised/);
  });

  test("hive version names itself", () => {
    assert.match(runHive(["version"]).stdout, /^hive \d+\.\d+\.\d+ \(bun /);
  });

  test("secrets and keys are readable by the owner only", () => {
    for (const f of ["secrets.json", "tls/ca-key.pem", "tls/server-key.pem", "nats/nats.conf", "hive.db"]) {
      assert.equal(fs.statSync(path.join(hive.dataDir, f)).mode & 0o077, 0, `${f} is readable by others`);
    }
  });
});

describe("NATS inside", () => {
  test("nats-server refuses a client without credentials", async () => {
    await assert.rejects(connect({ servers: `127.0.0.1:${hive.ports.nats}`, reconnect: false, timeout: 2000 }), /Authorization/i);
  });

  test("every port it listens on is bound to loopback", () => {
    const listeners = listeningSockets();
    for (const port of Object.values(hive.ports)) {
      const bound = listeners.filter((l) => l.port === port).map((l) => l.address);
      assert.ok(bound.length > 0, `nothing listens on ${port}`);
      for (const address of bound) assert.ok(["127.0.0.1", "::1"].includes(address), `port ${port} is bound to ${address}`);
    }
  });

  test("a killed nats-server is restarted and the appliance answers again", async () => {
    const pidFile = path.join(hive.dataDir, "nats", "nats-server.pid");
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    assert.ok(alive(pid));
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 20_000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      ok = aws(hive, ["ec2", "describe-regions"]).status === 0;
    }
    assert.ok(ok, `no answer after the restart:\n${hive.output()}`);
    assert.notEqual(Number(fs.readFileSync(pidFile, "utf8")), pid);
  });

  test("SIGTERM stops hive cleanly and leaves no nats-server behind", async () => {
    const pid = Number(fs.readFileSync(path.join(hive.dataDir, "nats", "nats-server.pid"), "utf8"));
    const code = await hive.stop();
    assert.equal(code, 0);
    assert.equal(alive(pid), false);
  });
});

/** LISTEN sockets from /proc/net/tcp{,6}: address and port. */
function listeningSockets(): Array<{ address: string; port: number }> {
  const out: Array<{ address: string; port: number }> = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== "0A") continue;
      const [hex, portHex] = cols[1].split(":");
      out.push({ address: decodeProcAddress(hex), port: parseInt(portHex, 16) });
    }
  }
  return out;
}

function decodeProcAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  if (hex === "00000000000000000000000001000000") return "::1";
  if (/^0+$/.test(hex)) return "::";
  return hex;
}
