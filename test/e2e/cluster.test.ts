// A region of three appliances, each in its own network namespace, joined through NATS leaf nodes over link
// emulators the test controls: join tokens, one account and CA, zones, region-wide key pairs and SSM parameters (one
// SecureString key), an AMI that crosses to the member that launches it, placement by room, a member cut off and
// healed, and a hub killed and restarted.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { ROOT, runHive, type HiveInstance } from "../helpers/hive.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
// Two t3.micro (2 vCPUs each) per member on a 2-CPU host.
const ROOM_FOR_TWO = ["--cpu-overcommit", String(4 / Math.max(1, Math.min(4, (fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm) ?? []).length)))];

let c: TestCluster;
before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  c = await startCluster(3, ROOM_FOR_TWO);
});
after(async () => {
  await c?.stop();
});

const A = awsDriver(() => c.hub);
const B = awsDriver(() => c.members[0]!);
const C = awsDriver(() => c.members[1]!);
const zonesOf = (d: typeof A) => Object.fromEntries(d.ok(["ec2", "describe-availability-zones"]).AvailabilityZones.map((z: any) => [z.ZoneName, z.State]));
const liveInstances = (d: typeof A) =>
  d.ok(["ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=pending,running,stopping,stopped"]).Reservations.flatMap((r: any) => r.Instances);
const byZone = (instances: any[]) => instances.reduce((acc: Record<string, number>, i: any) => ({ ...acc, [i.Placement.AvailabilityZone]: (acc[i.Placement.AvailabilityZone] ?? 0) + 1 }), {});
const hiveIn = (h: HiveInstance, i: number, args: string[]) => runHive([...args, "--data-dir", h.dataDir], { HOME: h.home, HIVE_NETNS: c.net.namespaces[i]! });
let ami = "";
/** Retries an aws call until it succeeds (a region-wide write while a link comes back). */
const succeeds = (d: typeof A, args: string[]) => () => {
  try {
    d.ok(args);
    return true;
  } catch {
    return false;
  }
};

describe("joining", () => {
  test("every member answers with the region's one account, credentials and CA, and lists three zones", () => {
    for (const h of c.all) {
      assert.equal(h.accessKeyId, c.hub.accessKeyId);
      assert.equal(h.accountId, c.hub.accountId);
      assert.equal(h.ca, c.hub.ca);
    }
    for (const d of [A, B, C]) assert.deepEqual(zonesOf(d), { "us-east-1a": "available", "us-east-1b": "available", "us-east-1c": "available" });
    assert.equal(B.ok(["sts", "get-caller-identity"]).Account, c.hub.accountId);
    const status = hiveIn(c.members[1]!, 2, ["cluster", "status", "--json"]);
    assert.equal(status.status, 0, status.stderr);
    const cluster = JSON.parse(status.stdout);
    assert.equal(cluster.role, "member");
    assert.deepEqual(cluster.members.map((m: any) => [m.node, m.az, m.reachable]), [["hub", "us-east-1a", true], ["m1", "us-east-1b", true], ["m2", "us-east-1c", true]]);
    assert.match(hiveIn(c.members[1]!, 2, ["status"]).stdout, /^region {4}member of hub, 3 member\(s\), 3 reachable$/m);
  });

  test("a token works once and not after it expires; a member leaving, or dead and removed, leaves nothing in the listings", async () => {
    const once = c.invite();
    assert.equal(once.status, 0, once.stderr);
    const m9 = await c.join(1, once.token, ["--node-name", "m9"]);
    assert.equal(zonesOf(A)["us-east-1d"], "available");
    await B.until("m9's zone's default subnet to reach B", () => B.ok(["ec2", "describe-subnets"]).Subnets.some((s: any) => s.AvailabilityZone === "us-east-1d"), 20_000);
    const left = hiveIn(m9, 1, ["cluster", "leave"]);
    assert.equal(left.status, 0, left.stderr);
    await m9.stop();
    await A.until("m9's zone and subnet to leave the listings", () => !("us-east-1d" in zonesOf(C)) && !C.ok(["ec2", "describe-subnets"]).Subnets.some((s: any) => s.AvailabilityZone === "us-east-1d"), 20_000);
    await assert.rejects(c.join(1, once.token, ["--node-name", "m10"]), /already used/);

    const dead = await c.join(1, c.invite().token, ["--node-name", "m11"]);
    await dead.kill9();
    await A.until("m11's zone to show unavailable", () => zonesOf(A)["us-east-1d"] === "unavailable", 20_000);
    const removed = hiveIn(c.hub, 0, ["cluster", "remove", "m11"]);
    assert.equal(removed.status, 0, removed.stderr);
    await A.until("m11 to leave the listings", () => !("us-east-1d" in zonesOf(B)), 20_000);
    await dead.stop();

    const short = c.invite(1);
    await new Promise((r) => setTimeout(r, 1500));
    await assert.rejects(c.join(1, short.token, ["--node-name", "m12"]), /expired/);
  });
});

describe("region-wide state and images", () => {
  test("a key pair made on A and an AMI imported on A launch on C; the AMI's file crosses once", async () => {
    A.ok(["ec2", "create-key-pair", "--key-name", "from-a"]);
    const imported = hiveIn(c.hub, 0, ["image", "import", GUEST, "--name", "guest"]);
    assert.equal(imported.status, 0, imported.stderr);
    ami = imported.stdout.trim();
    await C.until("the key pair and AMI to reach C", () => {
      const keys = C.ok(["ec2", "describe-key-pairs"]).KeyPairs.map((k: any) => k.KeyName);
      return keys.includes("from-a");
    }, 20_000);
    const run = C.ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--key-name", "from-a", "--placement", "AvailabilityZone=us-east-1c"]);
    const id = run.Instances[0].InstanceId;
    assert.equal(run.Instances[0].Placement.AvailabilityZone, "us-east-1c");
    await C.until(`${id} to boot on C`, () => C.consoleOf(id).includes("HIVE-GUEST-READY"), 180_000);
    // From any member's endpoint: A sees C's instance.
    assert.equal(A.ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].KeyName, "from-a");
    A.ok(["ec2", "terminate-instances", "--instance-ids", id]);
    await A.until(`${id} to terminate`, () => liveInstances(A).every((i: any) => i.InstanceId !== id), 60_000);
    assert.match(c.members[1]!.output(), new RegExp(`${ami}`), "C's log names the AMI it fetched");
  });

  test("SSM: a SecureString put through a member is read decrypted on another; a name published on A is an image id on C", async () => {
    const value = (d: typeof A, name: string): string | undefined => {
      try {
        return d.ok(["ssm", "get-parameter", "--name", name, "--with-decryption"]).Parameter.Value;
      } catch {
        return undefined;
      }
    };
    // Every box holds the region's one parameter key: the hub's, sealed into each member's welcome.
    const keyOf = (h: HiveInstance) => JSON.parse(fs.readFileSync(path.join(h.dataDir, "secrets.json"), "utf8")).parameterKey;
    for (const h of c.members) assert.equal(keyOf(h), keyOf(c.hub));
    B.ok(["ssm", "put-parameter", "--name", "/region/secret", "--value", "one-key", "--type", "SecureString"]);
    await C.until("the SecureString to reach C and open there", () => value(C, "/region/secret") === "one-key", 20_000);
    const published = hiveIn(c.hub, 0, ["image", "publish", ami, "/aws/service/hive/guest/latest"]);
    assert.equal(published.status, 0, published.stderr);
    await C.until("the public parameter to reach C", () => value(C, "/aws/service/hive/guest/latest") === ami, 20_000);
  });

  test("six instances with room for two per member land two in each zone; a full region refuses the seventh", async () => {
    const run = B.ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "6"]);
    assert.equal(run.Instances.length, 6);
    assert.deepEqual(byZone(run.Instances), { "us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2 });
    assert.equal(new Set(run.Instances.map((i: any) => i.AmiLaunchIndex)).size, 6);
    A.fails(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro"], "InsufficientInstanceCapacity");
    assert.equal(liveInstances(A).length, 6, "nothing half-made");
    await A.until("all six running", () => liveInstances(A).filter((i: any) => i.State.Name === "running").length === 6, 180_000);
  });
});

describe("partitions", () => {
  test("C cut off keeps serving its own instances; the rest of the region leaves them out and answers Unavailable", async () => {
    const onC = liveInstances(C).filter((i: any) => i.Placement.AvailabilityZone === "us-east-1c").map((i: any) => i.InstanceId);
    assert.equal(onC.length, 2);
    await c.net.linkDown(2);
    await A.until("C's zone to be unavailable from A", () => zonesOf(A)["us-east-1c"] === "unavailable", 20_000);
    assert.equal(liveInstances(A).length, 4, "A lists only what it can reach");
    A.fails(["ec2", "terminate-instances", "--instance-ids", onC[0]], "Unavailable");
    // C's own gateway: its instances, their lifecycle, and its copy of region-wide state.
    const seen = liveInstances(C).filter((i: any) => onC.includes(i.InstanceId));
    assert.equal(seen.length, 2);
    C.ok(["ec2", "stop-instances", "--instance-ids", onC[0]]);
    await C.until(`${onC[0]} stopped on C`, () => C.ok(["ec2", "describe-instances", "--instance-ids", onC[0]]).Reservations[0].Instances[0].State.Name === "stopped", 60_000);
    assert.ok(C.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "from-a"));
    const refused = C.fails(["ec2", "create-key-pair", "--key-name", "from-c-cut-off"], "Unavailable");
    assert.match(refused, /hub/);
    A.ok(["ec2", "create-key-pair", "--key-name", "during-cut"]);

    await c.net.linkUp(2);
    await A.until("C back in A's listings", () => zonesOf(A)["us-east-1c"] === "available" && liveInstances(A).length === 6, 60_000);
    await C.until("C to converge", () => C.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "during-cut"), 30_000);
    assert.equal(A.ok(["ec2", "describe-instances", "--instance-ids", onC[0]]).Reservations[0].Instances[0].State.Name, "stopped", "what C did while cut off is what A sees");
    assert.ok(!A.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "from-c-cut-off"));
  });

  test("a slow, lossy link (150 ms each way, connections reset) still carries the region", async () => {
    const link = c.links[0]!;
    await link.shape({ delayMs: 150, jitterMs: 20, dropRate: 0.05 });
    try {
      const t0 = Date.now();
      assert.equal(liveInstances(B).length, 6, "B lists the whole region over the slow link");
      assert.ok(Date.now() - t0 < 15_000);
      await B.until("a key pair made from B over the slow link", succeeds(B, ["ec2", "create-key-pair", "--key-name", "over-slow-link"]), 60_000);
      await A.until("A to see it", () => A.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "over-slow-link"), 30_000);
      // A reset connection can hold one reply past the fan-out's deadline (that listing then leaves B out, and says so
      // in the log); the region must carry it on the next try.
      await A.until("A to list B's instances over the slow link", () => liveInstances(A).length === 6, 30_000);
    } finally {
      await link.shape({});
    }
  });

  test("a member killed with kill -9 comes back with its guests, and the region lists them again", async () => {
    const onB = liveInstances(B).filter((i: any) => i.Placement.AvailabilityZone === "us-east-1b").map((i: any) => i.InstanceId).sort();
    assert.equal(onB.length, 2);
    await c.members[0]!.kill9();
    await A.until("B's zone to be unavailable", () => zonesOf(A)["us-east-1b"] === "unavailable", 20_000);
    A.fails(["ec2", "describe-instances", "--instance-ids", onB[0]], "Unavailable");
    await c.members[0]!.restart();
    await A.until("B's instances back in A's listings, still running", () => {
      const back = liveInstances(A).filter((i: any) => onB.includes(i.InstanceId));
      return back.length === 2 && back.every((i: any) => i.State.Name === "running");
    }, 60_000);
  });

  test("with the hub killed, members read their copies and refuse region-wide writes; it comes back", async () => {
    await c.hub.kill9();
    assert.ok(B.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "during-cut"));
    assert.ok(B.ok(["ec2", "describe-security-groups"]).SecurityGroups.length >= 1);
    B.fails(["ec2", "create-key-pair", "--key-name", "no-hub"], "Unavailable");
    await c.hub.restart();
    await B.until("region-wide writes through the hub again", succeeds(B, ["ec2", "create-key-pair", "--key-name", "hub-back"]), 60_000);
    await C.until("C to see the new key pair", () => C.ok(["ec2", "describe-key-pairs"]).KeyPairs.some((k: any) => k.KeyName === "hub-back"), 30_000);
  });

  test("an AMI is deregistered from any box by the box holding its file, and leaves every box's listing", async () => {
    const copy = C.ok(["ec2", "copy-image", "--source-image-id", ami, "--source-region", "us-east-1", "--name", "guest-copy"]).ImageId;
    await A.until("the copy to be available", () => A.ok(["ec2", "describe-images", "--image-ids", copy]).Images[0]?.State === "available", 60_000);
    C.ok(["ec2", "deregister-image", "--image-id", copy]);
    await B.until("the copy to leave B's listing", () => !B.ok(["ec2", "describe-images"]).Images.some((i: any) => i.ImageId === copy), 30_000);
    assert.equal(A.ok(["ec2", "describe-images", "--filters", "Name=name,Values=guest-copy"]).Images.length, 0);
  });
});
