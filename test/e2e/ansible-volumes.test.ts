// Ansible's amazon.aws EBS modules (Debian's ansible package) against the compiled hive: ec2_vol makes a volume and
// attaches it to a running instance (delete on termination), ec2_snapshot snapshots it; the same playbook again changes nothing; then both are
// removed (state: absent), and removing them again changes nothing.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ansibleSkip, PLAY_HEADER, runPlaybook } from "../helpers/ansible.ts";
import { awsDriver } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");

// last_snapshot_min_age: a snapshot of the volume younger than an hour is the one wanted, so a second run makes none.
const present = (instance: string) => `${PLAY_HEADER}
    - name: a gp3 volume attached to the instance
      amazon.aws.ec2_vol:
        name: ansible-data
        instance: ${instance}
        device_name: /dev/sdf
        volume_size: 1
        volume_type: gp3
        delete_on_termination: true
        tags: { Team: edge }
      register: vol
    - name: a snapshot of it
      amazon.aws.ec2_snapshot:
        volume_id: "{{ vol.volume_id }}"
        description: ansible backup
        snapshot_tags: { Role: backup }
        last_snapshot_min_age: 60
        wait: true
`;

const absent = (snapshot: string) => `${PLAY_HEADER}
    - name: the snapshot gone
      amazon.aws.ec2_snapshot:
        snapshot_id: ${snapshot}
        state: absent
    - name: the volume detached and gone
      amazon.aws.ec2_vol:
        name: ansible-data
        state: absent
`;

describe("e2e: Ansible amazon.aws ec2_vol and ec2_snapshot", { skip: ansibleSkip }, () => {
  let hive: HiveInstance;
  let dir: string;
  let instance = "";
  before(async () => {
    hive = await startHive();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-ansible-volumes-"));
    const r = runHive(["image", "import", GUEST, "--name", "ansible-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    instance = ok(["ec2", "run-instances", "--image-id", r.stdout.trim(), "--instance-type", "t3.micro"]).Instances[0].InstanceId;
    await until(`${instance} running`, () => ok(["ec2", "describe-instances", "--instance-ids", instance]).Reservations[0].Instances[0].State.Name === "running");
  });
  after(async () => {
    await hive?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const { ok, until } = awsDriver(() => hive);
  const volumes = () => ok(["ec2", "describe-volumes", "--filters", "Name=tag:Name,Values=ansible-data"]).Volumes;
  const snapshots = () => ok(["ec2", "describe-snapshots", "--owner-ids", "self", "--filters", "Name=tag:Role,Values=backup"]).Snapshots;

  /** Writes the playbook and runs it (see runPlaybook). */
  const play = (name: string, text: string) => {
    const file = path.join(dir, `${name}.yml`);
    fs.writeFileSync(file, text);
    return runPlaybook(hive, file, dir);
  };
  /** Actions the modules asked for that hive does not serve would show in its log. */
  const unserved = () => hive.output().split("\n").filter((l) => /UnsupportedOperation|InvalidAction/.test(l));

  test("ec2_vol makes and attaches a volume, ec2_snapshot snapshots it", () => {
    const first = play("present", present(instance));
    assert.equal(first.failed, 0, first.output);
    assert.equal(first.changed, 2, first.output);
    const [vol] = volumes();
    assert.equal(vol.Size, 1);
    assert.equal(vol.VolumeType, "gp3");
    assert.equal(vol.State, "in-use");
    // delete_on_termination is set after the attach, through ModifyInstanceAttribute's BlockDeviceMappings.
    assert.deepEqual([vol.Attachments[0].InstanceId, vol.Attachments[0].Device, vol.Attachments[0].DeleteOnTermination], [instance, "/dev/sdf", true]);
    assert.deepEqual(vol.Tags.sort((a: any, b: any) => a.Key.localeCompare(b.Key)), [{ Key: "Name", Value: "ansible-data" }, { Key: "Team", Value: "edge" }]);
    const [snap] = snapshots();
    assert.equal(snap.VolumeId, vol.VolumeId);
    assert.equal(snap.State, "completed");
    assert.equal(snap.Description, "ansible backup");
    // The module names the snapshot after the volume.
    assert.ok(snap.Tags.some((t: any) => t.Key === "Name" && t.Value === "ansible-data"), JSON.stringify(snap.Tags));
    assert.deepEqual(unserved(), []);
  });

  test("running it again changes nothing", () => {
    const second = play("present", present(instance));
    assert.equal(second.failed, 0, second.output);
    assert.equal(second.changed, 0, second.output);
    assert.equal(volumes().length, 1);
    assert.equal(snapshots().length, 1);
  });

  test("state: absent removes the snapshot and detaches and deletes the volume; again, nothing changes", () => {
    const [snap] = snapshots();
    const first = play("absent", absent(snap.SnapshotId));
    assert.equal(first.failed, 0, first.output);
    assert.equal(first.changed, 2, first.output);
    assert.deepEqual(volumes(), []);
    assert.deepEqual(snapshots(), []);
    const second = play("absent", absent(snap.SnapshotId));
    assert.equal(second.failed, 0, second.output);
    assert.equal(second.changed, 0, second.output);
    assert.deepEqual(unserved(), []);
  });
});
