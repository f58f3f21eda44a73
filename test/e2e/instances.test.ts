// End to end with real guests: the compiled hive, qemu-storage-daemon and QEMU, driven by the aws CLI through the
// whole lifecycle, capacity, wrong-state calls, bad ids, and a kill -9 of hive while guests run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DescribeInstancesCommand, waitUntilInstanceRunning } from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { alive, ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
// Two t3.micro (2 vCPUs each) fit on a 2-CPU host with --cpu-overcommit 2, and a third does not.
const CAPACITY_ARGS = ["--cpu-overcommit", String(4 / Math.max(1, Math.min(4, cpuCount())))];

function cpuCount(): number {
  return (fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm) ?? []).length;
}

let hive: HiveInstance;
let ami = "";
let web: string[] = [];

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive(CAPACITY_ARGS);
});
after(async () => {
  await hive?.stop();
});

const { ok, fails, until, consoleOf: consoleText } = awsDriver(() => hive);
const states = (ids: string[]) =>
  Object.fromEntries(ok(["ec2", "describe-instances", "--instance-ids", ...ids]).Reservations.flatMap((r: any) => r.Instances).map((i: any) => [i.InstanceId, i.State.Name]));
const readyCount = (id: string) => (consoleText(id).match(/HIVE-GUEST-READY/g) ?? []).length;

describe("images", () => {
  test("hive image import registers the test guest as an available AMI", () => {
    const r = runHive(["image", "import", GUEST, "--name", "hive-test-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    ami = r.stdout.trim();
    assert.match(ami, /^ami-[0-9a-f]{17}$/);
    const [image] = ok(["ec2", "describe-images", "--image-ids", ami]).Images;
    assert.equal(image.State, "available");
    assert.equal(image.RootDeviceName, "/dev/xvda");
  });
});

describe("the instance lifecycle", () => {
  test("run-instances --count 2 answers one reservation with two pending instances", () => {
    const res = ok([
      "ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "2", "--client-token", "web-pair-1",
      "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=web}]", "ResourceType=volume,Tags=[{Key=Disk,Value=root}]",
    ]);
    assert.match(res.ReservationId, /^r-[0-9a-f]{17}$/);
    assert.equal(res.Instances.length, 2);
    for (const i of res.Instances) {
      assert.equal(i.State.Name, "pending");
      assert.equal(i.State.Code, 0);
      assert.equal(i.InstanceType, "t3.micro");
      assert.equal(i.ImageId, ami);
    }
    web = res.Instances.map((i: any) => i.InstanceId);
  });

  test("both reach running and their guests boot: the marker is on each console", async () => {
    await waitUntilInstanceRunning({ client: ec2Client(hive), maxWaitTime: 120 }, { InstanceIds: web });
    for (const id of web) await until(`${id} to print its marker`, () => readyCount(id) >= 1);
  });

  test("describe-instances finds them by tag, by state and by type", () => {
    const byTag = ok(["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=web"]);
    assert.deepEqual(byTag.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.InstanceId)).sort(), [...web].sort());
    const running = ok(["ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running", "Name=instance-type,Values=t3.*"]);
    assert.equal(running.Reservations.flatMap((r: any) => r.Instances).length, 2);
    const none = ok(["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=db"]);
    assert.equal(none.Reservations.length, 0);
  });

  test("each instance has its root volume in use, tagged and deleted on termination", () => {
    const vols = ok(["ec2", "describe-volumes", "--filters", "Name=tag:Disk,Values=root"]).Volumes;
    assert.equal(vols.length, 2);
    for (const v of vols) {
      assert.equal(v.State, "in-use");
      assert.ok(web.includes(v.Attachments[0].InstanceId));
      assert.equal(v.Attachments[0].DeleteOnTermination, true);
    }
  });

  test("a third instance does not fit: InsufficientInstanceCapacity, and nothing is left half made", () => {
    fails(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro"], "InsufficientInstanceCapacity");
    fails(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "1:3"], "InsufficientInstanceCapacity");
    assert.equal(ok(["ec2", "describe-instances"]).Reservations.length, 1);
    assert.equal(ok(["ec2", "describe-volumes"]).Volumes.length, 2);
  });

  test("the same ClientToken answers the same reservation instead of launching again", () => {
    const again = ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "2", "--client-token", "web-pair-1"]);
    assert.deepEqual(again.Instances.map((i: any) => i.InstanceId).sort(), [...web].sort());
    assert.equal(ok(["ec2", "describe-instances"]).Reservations.length, 1);
  });

  test("wrong-state calls answer IncorrectInstanceState", () => {
    fails(["ec2", "modify-instance-attribute", "--instance-id", web[0], "--instance-type", "Value=t3.small"], "IncorrectInstanceState");
  });

  test("stop-instances powers the guest off and the instance is stopped", async () => {
    const res = ok(["ec2", "stop-instances", "--instance-ids", web[0]]);
    assert.deepEqual(res.StoppingInstances[0].PreviousState, { Code: 16, Name: "running" });
    assert.deepEqual(res.StoppingInstances[0].CurrentState, { Code: 64, Name: "stopping" });
    await until("the instance to stop", () => states([web[0]])[web[0]] === "stopped");
    const [inst] = ok(["ec2", "describe-instances", "--instance-ids", web[0]]).Reservations[0].Instances;
    assert.equal(inst.StateReason.Code, "Client.UserInitiatedShutdown");
    fails(["ec2", "reboot-instances", "--instance-ids", web[0]], "IncorrectInstanceState");
  });

  test("a stopped instance's attributes can change, then it starts again and boots", async () => {
    ok(["ec2", "modify-instance-attribute", "--instance-id", web[0], "--instance-type", "Value=t3.nano"]);
    const attr = ok(["ec2", "describe-instance-attribute", "--instance-id", web[0], "--attribute", "instanceType"]);
    assert.equal(attr.InstanceType.Value, "t3.nano");
    const res = ok(["ec2", "start-instances", "--instance-ids", web[0]]);
    assert.deepEqual(res.StartingInstances[0].CurrentState, { Code: 0, Name: "pending" });
    await until("the instance to run again", () => states([web[0]])[web[0]] === "running");
    await until("a fresh boot marker", () => consoleText(web[0]).includes("HIVE-GUEST-READY"));
  });

  test("reboot-instances resets the guest: it boots a second time", async () => {
    const before = readyCount(web[1]);
    ok(["ec2", "reboot-instances", "--instance-ids", web[1]]);
    await until(`${web[1]} to boot again`, () => readyCount(web[1]) > before);
    assert.equal(states([web[1]])[web[1]], "running");
  });

  test("describe-instance-status lists running instances, all of them with --include-all-instances", () => {
    const running = ok(["ec2", "describe-instance-status"]).InstanceStatuses;
    assert.equal(running.length, 2);
    assert.ok(running.every((s: any) => s.InstanceState.Name === "running" && s.InstanceStatus.Status === "ok"));
  });
});

describe("bad ids", () => {
  test("malformed and unknown instance ids, unknown AMIs", () => {
    fails(["ec2", "describe-instances", "--instance-ids", "i-xyz"], "InvalidInstanceID.Malformed");
    fails(["ec2", "stop-instances", "--instance-ids", "i-0123456789abcdef0"], "InvalidInstanceID.NotFound");
    fails(["ec2", "terminate-instances", "--instance-ids", web[0], "i-0123456789abcdef0"], "InvalidInstanceID.NotFound");
    assert.equal(states([web[0]])[web[0]], "running", "a call naming an unknown id must change nothing");
    fails(["ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.micro"], "InvalidAMIID.NotFound");
    fails(["ec2", "run-instances", "--image-id", "ami-nope", "--instance-type", "t3.micro"], "InvalidAMIID.Malformed");
    fails(["ec2", "get-console-output", "--instance-id", "i-0123456789abcdef0"], "InvalidInstanceID.NotFound");
  });

  test("a protected instance is not terminated: OperationNotPermitted", () => {
    ok(["ec2", "modify-instance-attribute", "--instance-id", web[1], "--disable-api-termination"]);
    fails(["ec2", "terminate-instances", "--instance-ids", web[1]], "OperationNotPermitted");
    ok(["ec2", "modify-instance-attribute", "--instance-id", web[1], "--no-disable-api-termination"]);
  });
});

describe("recovery after kill -9", () => {
  test("guests keep running while hive is dead, and a new hive re-adopts them with their ids and states", async () => {
    const pids = web.map((id) => Number(fs.readFileSync(path.join(hive.dataDir, "instances", id, "qemu.pid"), "utf8")));
    await hive.kill9();
    for (const pid of pids) assert.ok(alive(pid), "a guest died with hive");
    // One guest dies while hive is down.
    process.kill(pids[1], "SIGKILL");
    await hive.restart();
    const after = states(web);
    assert.equal(after[web[0]], "running");
    assert.equal(after[web[1]], "stopped");
    const [lost] = ok(["ec2", "describe-instances", "--instance-ids", web[1]]).Reservations[0].Instances;
    assert.equal(lost.StateReason.Code, "Server.InternalError");
    assert.match(lost.StateReason.Message, /while hive was down/);
    // The re-adopted guest is still served its disk and answers.
    const out = await ec2Client(hive).send(new DescribeInstancesCommand({ InstanceIds: [web[0]] }));
    assert.equal(out.Reservations?.[0]?.Instances?.[0]?.State?.Name, "running");
    const before = readyCount(web[0]);
    ok(["ec2", "reboot-instances", "--instance-ids", web[0]]);
    await until("the re-adopted guest to reboot", () => readyCount(web[0]) > before);
  });
});

describe("termination", () => {
  test("terminate-instances ends both, deletes their root volumes, and they stay visible as terminated", async () => {
    const res = ok(["ec2", "terminate-instances", "--instance-ids", ...web]);
    assert.equal(res.TerminatingInstances.length, 2);
    await until("both to terminate", () => Object.values(states(web)).every((s) => s === "terminated"));
    assert.equal(ok(["ec2", "describe-volumes"]).Volumes.length, 0);
    assert.deepEqual(fs.readdirSync(path.join(hive.dataDir, "volumes")).filter((f) => f.endsWith(".qcow2")), []);
    fails(["ec2", "start-instances", "--instance-ids", web[0]], "IncorrectInstanceState");
  });
});
