// End to end: AMIs made from what the appliance holds — create-image from a running (paused or live) and a stopped
// instance, an instance booted from the result, copy-image, register-image, deregister-image and image tags — through
// the compiled hive, real QEMU guests and the aws CLI.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { CreateImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");

let hive: HiveInstance;
let baseAmi = "";
let source = "";
let fromRunning = "";
let noReboot = "";
let booted = "";
let diskMarker = "";

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive(["--cpu-overcommit", "4"]);
  const r = runHive(["image", "import", GUEST, "--name", "base-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  baseAmi = r.stdout.trim();
});
after(async () => {
  await hive?.stop();
});

const { ok, fails, until, consoleOf } = awsDriver(() => hive);
const stateOf = (id: string): string => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].State.Name;
const readyCount = (id: string): number =>
  ((ok(["ec2", "get-console-output", "--instance-id", id, "--latest"]).Output ?? "") as string).match(/HIVE-GUEST-READY/g)?.length ?? 0;
const image = (id: string): Record<string, any> | undefined => ok(["ec2", "describe-images", "--owners", "self"]).Images.find((i: any) => i.ImageId === id);
const imageFile = (id: string): string => path.join(hive.dataDir, "images", `${id}.qcow2`);

/** Polls DescribeImages through the SDK (quicker than the CLI) from the moment the call returned; the states seen. */
async function watchUntilAvailable(id: string): Promise<{ states: string[]; ms: number }> {
  const ec2 = ec2Client(hive);
  const t0 = performance.now();
  const states: string[] = [];
  try {
    for (;;) {
      const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
      const state = Images?.[0]?.State ?? "(none)";
      if (states.at(-1) !== state) states.push(state);
      if (state !== "pending") return { states, ms: performance.now() - t0 };
      if (performance.now() - t0 > 120_000) assert.fail(`${id} still pending after 120 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    ec2.destroy();
  }
}

// User data runs as root in the test guest: it can write to and read from the disk it booted from (/dev/vda).
const DISK_OFFSET = 60 * 1024 * 1024;
const WRITE_MARKER = `#!/bin/sh\nprintf 'hive-disk-marker-%s' "$(cat /proc/sys/kernel/random/uuid | cut -c1-8)" > /tmp/m\ndd if=/tmp/m of=/dev/vda bs=1 seek=${DISK_OFFSET} conv=notrunc 2>/dev/null && sync && echo "wrote $(cat /tmp/m)"\n`;
const READ_MARKER = `#!/bin/sh\necho "found $(dd if=/dev/vda bs=1 skip=${DISK_OFFSET} count=25 2>/dev/null)"\n`;

async function runOne(ami: string, userData?: string): Promise<string> {
  const args = ["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro"];
  // The CLI reads the file at the call; nothing is left in /tmp after it.
  const file = userData ? path.join(os.tmpdir(), `hive-ud-${process.pid}-${Date.now()}.sh`) : undefined;
  if (file) {
    fs.writeFileSync(file, userData!);
    args.push("--user-data", `file://${file}`);
  }
  let id: string;
  try {
    id = ok(args).Instances[0].InstanceId as string;
  } finally {
    if (file) fs.rmSync(file, { force: true });
  }
  await until(`${id} running`, () => stateOf(id) === "running");
  await until(`${id}'s boot marker`, () => readyCount(id) >= 1);
  return id;
}

describe("create-image", () => {
  test("from a running instance: pending at once, then available; the guest was paused, not stopped, and runs on", async () => {
    source = await runOne(baseAmi, WRITE_MARKER);
    await until("the user data to write its marker to the disk", () => /HIVE-USERDATA: wrote hive-disk-marker-[0-9a-f]{8}/.test(consoleOf(source)));
    diskMarker = /HIVE-USERDATA: wrote (hive-disk-marker-[0-9a-f]{8})/.exec(consoleOf(source))![1]!;
    // Through the SDK: the CLI's start-up alone outlasts the copy of the small test guest, hiding `pending`.
    const ec2 = ec2Client(hive);
    const t0 = performance.now();
    const res = await ec2.send(
      new CreateImageCommand({
        InstanceId: source,
        Name: "web-from-running",
        Description: "made by e2e",
        TagSpecifications: [
          { ResourceType: "image", Tags: [{ Key: "Role", Value: "web" }] },
          { ResourceType: "snapshot", Tags: [{ Key: "Ignored", Value: "yes" }] },
        ],
      }),
    );
    ec2.destroy();
    const answered = performance.now() - t0;
    fromRunning = res.ImageId ?? "";
    assert.match(fromRunning, /^ami-[0-9a-f]{17}$/);
    const { states, ms } = await watchUntilAvailable(fromRunning);
    assert.deepEqual(states, ["pending", "available"]);
    process.stderr.write(`create-image (paused guest): answered in ${Math.round(answered)} ms, available ${Math.round(ms)} ms after the answer\n`);

    const img = image(fromRunning)!;
    assert.equal(img.Name, "web-from-running");
    assert.equal(img.Description, "made by e2e");
    assert.deepEqual(img.Tags, [{ Key: "Role", Value: "web" }]);
    assert.equal(img.BlockDeviceMappings[0].Ebs.VolumeSize, 1);
    assert.ok(fs.existsSync(imageFile(fromRunning)));
    const paused = new RegExp(`image ${fromRunning}: guest ${source} was paused for (\\d+) ms`).exec(hive.output());
    assert.ok(paused, hive.output().slice(-3000));
    const made = new RegExp(`image ${fromRunning}: available \\([^)]*, (\\d+) ms\\)`).exec(hive.output());
    process.stderr.write(`create-image (paused guest): guest paused ${paused[1]} ms; copy done ${made?.[1]} ms after the call reached the daemon\n`);

    // Still running, and its vCPUs run: a reboot brings a second boot marker.
    assert.equal(stateOf(source), "running");
    ok(["ec2", "reboot-instances", "--instance-ids", source]);
    await until("the source's boot marker after a reboot", () => readyCount(source) >= 2);
  });

  test("--no-reboot copies the live disk without pausing", async () => {
    const t0 = performance.now();
    noReboot = ok(["ec2", "create-image", "--instance-id", source, "--name", "web-no-reboot", "--no-reboot"]).ImageId;
    const { states } = await watchUntilAvailable(noReboot);
    assert.equal(states.at(-1), "available");
    process.stderr.write(`create-image --no-reboot: available ${Math.round(performance.now() - t0)} ms after the CLI call\n`);
    assert.doesNotMatch(hive.output(), new RegExp(`image ${noReboot}: guest .* was paused`));
    assert.equal(stateOf(source), "running");
  });

  test("an instance launched from the new AMI boots with the first one's disk contents", async () => {
    booted = await runOne(fromRunning, READ_MARKER);
    const inst = ok(["ec2", "describe-instances", "--instance-ids", booted]).Reservations[0].Instances[0];
    assert.equal(inst.ImageId, fromRunning);
    await until("the new instance to read the marker from its disk", () => consoleOf(booted).includes("HIVE-USERDATA: found "));
    assert.match(consoleOf(booted), new RegExp(`HIVE-USERDATA: found ${diskMarker}`));
  });

  test("a name in use, an unknown or malformed instance, and a bad name are refused", () => {
    fails(["ec2", "create-image", "--instance-id", source, "--name", "web-from-running"], "InvalidAMIName.Duplicate");
    fails(["ec2", "create-image", "--instance-id", "i-0123456789abcdef0", "--name", "nobody"], "InvalidInstanceID.NotFound");
    fails(["ec2", "create-image", "--instance-id", "i-xyz", "--name", "nobody"], "InvalidInstanceID.Malformed");
    fails(["ec2", "create-image", "--instance-id", source, "--name", "bad*name"], "InvalidParameterValue");
  });

  test("from a stopped instance: the file is copied offline and the instance stays stopped", async () => {
    ok(["ec2", "stop-instances", "--instance-ids", source]);
    await until(`${source} stopped`, () => stateOf(source) === "stopped");
    const id = ok(["ec2", "create-image", "--instance-id", source, "--name", "web-from-stopped"]).ImageId;
    const { states } = await watchUntilAvailable(id);
    assert.equal(states.at(-1), "available");
    assert.equal(stateOf(source), "stopped");
  });

  test("an instance that is neither running nor stopped answers IncorrectInstanceState", async () => {
    ok(["ec2", "terminate-instances", "--instance-ids", source]);
    await until(`${source} terminated`, () => stateOf(source) === "terminated");
    fails(["ec2", "create-image", "--instance-id", source, "--name", "too-late"], "IncorrectInstanceState");
  });
});

describe("copy-image and register-image", () => {
  test("copy-image makes an AMI with its own file, and copies tags when asked", async () => {
    const id = ok([
      "ec2", "copy-image", "--source-image-id", fromRunning, "--source-region", "us-east-1", "--name", "web-copy", "--copy-image-tags",
      "--tag-specifications", "ResourceType=image,Tags=[{Key=Copy,Value=yes}]",
    ]).ImageId;
    const { states } = await watchUntilAvailable(id);
    assert.equal(states.at(-1), "available");
    assert.ok(fs.existsSync(imageFile(id)));
    assert.notEqual(fs.statSync(imageFile(id)).ino, fs.statSync(imageFile(fromRunning)).ino);
    assert.deepEqual(image(id)!.Tags.sort((a: any, b: any) => a.Key.localeCompare(b.Key)), [{ Key: "Copy", Value: "yes" }, { Key: "Role", Value: "web" }]);
    fails(["ec2", "copy-image", "--source-image-id", fromRunning, "--source-region", "eu-west-1", "--name", "elsewhere"], "InvalidParameterValue");
    fails(["ec2", "copy-image", "--source-image-id", "ami-0123456789abcdef0", "--source-region", "us-east-1", "--name", "ghost"], "InvalidAMIID.NotFound");
  });

  test("register-image takes a file under images/ or volumes/ of the data directory, nothing else", async () => {
    const id = ok(["ec2", "register-image", "--name", "registered", "--image-location", `images/${noReboot}.qcow2`, "--architecture", "x86_64"]).ImageId;
    const { states } = await watchUntilAvailable(id);
    assert.equal(states.at(-1), "available");
    const vol = ok(["ec2", "describe-instances", "--instance-ids", booted]).Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId;
    const fromVolume = ok(["ec2", "register-image", "--name", "from-volume", "--image-location", `volumes/${vol}.qcow2`]).ImageId;
    assert.equal((await watchUntilAvailable(fromVolume)).states.at(-1), "available");

    fails(["ec2", "register-image", "--name", "escape", "--image-location", "../config.json"], "InvalidParameterValue");
    fails(["ec2", "register-image", "--name", "escape", "--image-location", "/etc/passwd"], "InvalidParameterValue");
    fails(["ec2", "register-image", "--name", "arm", "--image-location", `images/${noReboot}.qcow2`, "--architecture", "arm64"], "InvalidParameterValue");
    fails(["ec2", "register-image", "--name", "snap", "--block-device-mappings", "DeviceName=/dev/xvda,Ebs={SnapshotId=snap-0123456789abcdef0}"], "InvalidSnapshot.NotFound");
  });
});

describe("deregister-image", () => {
  test("leaves the listings at once; the file stays while a volume or its snapshot needs it, and goes when none does", async () => {
    ok(["ec2", "deregister-image", "--image-id", fromRunning]);
    assert.equal(image(fromRunning), undefined);
    fails(["ec2", "describe-images", "--image-ids", fromRunning], "InvalidAMIID.NotFound");
    fails(["ec2", "run-instances", "--image-id", fromRunning, "--instance-type", "t3.micro"], "InvalidAMIID.NotFound");
    fails(["ec2", "deregister-image", "--image-id", fromRunning], "InvalidAMIID.NotFound");
    // `booted` runs on a volume overlaying it.
    assert.ok(fs.existsSync(imageFile(fromRunning)));
    assert.equal(stateOf(booted), "running");
    // The name is free again.
    const again = ok(["ec2", "create-image", "--instance-id", booted, "--name", "web-from-running", "--no-reboot"]).ImageId;
    assert.equal((await watchUntilAvailable(again)).states.at(-1), "available");

    // The AMI's root snapshot shares its file and outlives the AMI, as on EC2: the file goes with the snapshot.
    const rootSnap = image(noReboot)!.BlockDeviceMappings[0].Ebs.SnapshotId as string;
    assert.match(ok(["ec2", "describe-snapshots", "--snapshot-ids", rootSnap]).Snapshots[0].Description, new RegExp(`CreateImage\\(${source}\\) for ${noReboot}`));
    fails(["ec2", "delete-snapshot", "--snapshot-id", rootSnap], "InvalidSnapshot.InUse");
    ok(["ec2", "deregister-image", "--image-id", noReboot]);
    assert.ok(fs.existsSync(imageFile(noReboot)));
    ok(["ec2", "delete-snapshot", "--snapshot-id", rootSnap]);
    await until(`${noReboot}'s file removed`, () => !fs.existsSync(imageFile(noReboot)), 10_000);
  });

  test("image tags: create-tags and delete-tags on an AMI show in describe-images", () => {
    const id = image(fromRunning) ? fromRunning : ok(["ec2", "describe-images", "--owners", "self", "--filters", "Name=name,Values=web-copy"]).Images[0].ImageId;
    ok(["ec2", "create-tags", "--resources", id, "--tags", "Key=Stage,Value=prod"]);
    assert.ok(image(id)!.Tags.some((t: any) => t.Key === "Stage" && t.Value === "prod"));
    const filtered = ok(["ec2", "describe-images", "--owners", "self", "--filters", "Name=tag:Stage,Values=prod"]).Images;
    assert.deepEqual(filtered.map((i: any) => i.ImageId), [id]);
    ok(["ec2", "delete-tags", "--resources", id, "--tags", "Key=Stage"]);
    assert.ok(!image(id)!.Tags?.some((t: any) => t.Key === "Stage"));
  });
});
