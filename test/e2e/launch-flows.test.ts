// Code written for AWS, run unchanged against the compiled hive: each flow finds its AMI through an SSM public
// parameter and launches from a launch template — Terraform's AWS provider, a boto3 script, an Ansible playbook.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ansibleSkip, PLAY_HEADER, runPlaybook } from "../helpers/ansible.ts";
import { awsDriver } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";
import { terraformDir, terraformSkip } from "../helpers/terraform.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
/** The name code written for AWS asks for; the operator publishes it for an image of this appliance. */
const AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

let hive: HiveInstance;
let dir: string;
let ami = "";
before(async () => {
  hive = await startHive(["--log-requests"]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-flows-"));
  const r = runHive(["image", "import", GUEST, "--name", "flow-guest", "--alias", "flow-guest", "--publish", AL2023, "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  ami = r.stdout.trim().split("\n").pop()!;
});
after(async () => {
  await hive?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
const { ok, fails, until } = awsDriver(() => hive);

/** The flows and checks run with spawnSync, which holds the event loop: let the appliance's piped output arrive. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Where the appliance's output stands now, once what it wrote so far has arrived. */
async function outputMark(): Promise<number> {
  await settled();
  return hive.output().length;
}

/**
 * What a flow called since `mark` (an offset in the appliance's output), from `--log-requests`: each service.Action
 * with its answers, as a diagnostic line of the test report. None may be a 5xx or an action Hive does not serve.
 */
async function callsSince(mark: number, t: { diagnostic(message: string): void }): Promise<void> {
  await settled();
  const tally = new Map<string, number>();
  for (const line of hive.output().slice(mark).split("\n")) {
    const m = /^api \S+ (\S+) (\d{3})( [A-Za-z.]+)? \d+ ms$/.exec(line.replace(/^.*?(?=api )/, ""));
    if (!m) continue;
    assert.ok(Number(m[2]) < 500 && m[3] !== " UnsupportedOperation" && m[3] !== " InvalidAction", `the flow met ${line}`);
    const key = `${m[1]} ${m[2]}${m[3] ?? ""}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  t.diagnostic(`calls: ${[...tally].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
}

const instanceOf = (id: string) => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0];
const tagsOf = (i: { Tags?: Array<{ Key: string; Value: string }> }) => Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value]));
const userDataOf = (id: string) =>
  Buffer.from(ok(["ec2", "describe-instance-attribute", "--instance-id", id, "--attribute", "userData"]).UserData.Value, "base64").toString();

describe("Terraform: data aws_ssm_parameter, aws_ssm_parameter, aws_launch_template, aws_instance", { skip: terraformSkip }, () => {
  const main = `
data "aws_ssm_parameter" "al2023" {
  name = "${AL2023}"
}
resource "aws_ssm_parameter" "db_password" {
  name  = "/tf/db/password"
  type  = "SecureString"
  value = "hunter2-tf"
  tags  = { App = "tf" }
}
resource "aws_launch_template" "web" {
  name          = "tf-web"
  image_id      = "resolve:ssm:${AL2023}"
  instance_type = "t3.micro"
  user_data     = base64encode("#!/bin/sh\\necho from-the-template\\n")
  tags          = { Team = "edge" }
}
resource "aws_instance" "web" {
  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
  tags = { Name = "tf-web-1" }
  # The provider re-hashes the stored hash of user data that only a launch template gives, against AWS as here
  # (hashicorp/terraform-provider-aws#30825): without this, every plan shows a change that is not one.
  lifecycle {
    ignore_changes = [user_data]
  }
}
output "ami" {
  value = data.aws_ssm_parameter.al2023.insecure_value
}
output "instance" {
  value = aws_instance.web.id
}
output "template" {
  value = aws_launch_template.web.id
}
`;
  let tf: ReturnType<typeof terraformDir>;
  let out: Record<string, { value: string }> = {};

  test("init and apply create everything, the instance from the template with the AMI SSM names", async (t) => {
    tf = terraformDir(hive, path.join(dir, "tf"), main);
    tf.ok(["init", "-input=false"]);
    const mark = await outputMark();
    tf.ok(["apply", "-auto-approve", "-input=false"]);
    await callsSince(mark, t);
    out = JSON.parse(tf.ok(["output", "-json"]).split("\n").filter((l) => !l.startsWith("Warning")).join("\n").trim() || "{}");
    assert.equal(out.ami!.value, ami);
    const instance = instanceOf(out.instance!.value);
    assert.equal(instance.ImageId, ami);
    assert.equal(instance.InstanceType, "t3.micro");
    const tags = tagsOf(instance);
    assert.equal(tags["aws:ec2launchtemplate:id"], out.template!.value);
    assert.equal(tags["aws:ec2launchtemplate:version"], "1");
    assert.equal(tags.Name, "tf-web-1");
    assert.equal(userDataOf(instance.InstanceId), "#!/bin/sh\necho from-the-template\n");
    const secret = ok(["ssm", "get-parameter", "--name", "/tf/db/password", "--with-decryption"]).Parameter;
    assert.equal(secret.Value, "hunter2-tf");
    assert.equal(secret.Type, "SecureString");
    assert.notEqual(ok(["ssm", "get-parameter", "--name", "/tf/db/password"]).Parameter.Value, "hunter2-tf");
  });

  test("a second plan finds nothing to change: every describe the provider reads agrees with what it wrote", async (t) => {
    const mark = await outputMark();
    const r = tf.run(["plan", "-detailed-exitcode", "-input=false"]);
    await callsSince(mark, t);
    assert.equal(r.status, 0, r.output);
  });

  test("destroy removes the instance, the template and the parameter", async (t) => {
    const mark = await outputMark();
    tf.ok(["destroy", "-auto-approve", "-input=false"]);
    await callsSince(mark, t);
    assert.equal(instanceOf(out.instance!.value).State.Name, "terminated");
    fails(["ec2", "describe-launch-templates", "--launch-template-names", "tf-web"], "InvalidLaunchTemplateName.NotFoundException");
    fails(["ssm", "get-parameter", "--name", "/tf/db/password"], "ParameterNotFound");
  });
});

describe("boto3: a script written for AWS", () => {
  const script = `
import base64, json, sys
import boto3
import os
# Debian's boto3 (1.26) predates AWS_ENDPOINT_URL (1.28): the endpoint is the one thing said to the client.
ssm = boto3.client("ssm", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
ami = ssm.get_parameter(Name="${AL2023}")["Parameter"]["Value"]
by_path = ssm.get_parameters_by_path(Path="/aws/service/hive", Recursive=True)["Parameters"]
lt = ec2.create_launch_template(
    LaunchTemplateName="boto-web",
    LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.micro", "UserData": base64.b64encode(b"v1").decode()},
)["LaunchTemplate"]
v2 = ec2.create_launch_template_version(
    LaunchTemplateId=lt["LaunchTemplateId"], SourceVersion="1",
    LaunchTemplateData={"InstanceType": "t3.small", "UserData": base64.b64encode(b"v2").decode()},
)["LaunchTemplateVersion"]
ec2.modify_launch_template(LaunchTemplateId=lt["LaunchTemplateId"], DefaultVersion="2")
run = ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "boto-web"}, InstanceType="t3.nano")
iid = run["Instances"][0]["InstanceId"]
ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
data = ec2.get_launch_template_data(InstanceId=iid)["LaunchTemplateData"]
print(json.dumps({"ami": ami, "paths": [p["Name"] for p in by_path], "template": lt["LaunchTemplateId"], "v2": v2["VersionNumber"],
                  "instance": iid, "data": {"ImageId": data.get("ImageId"), "InstanceType": data.get("InstanceType")}}))
`;
  test("GetParameter → CreateLaunchTemplate(+Version) → RunInstances from the default version, the call's type winning", async (t) => {
    const mark = await outputMark();
    const r = spawnSync("/usr/bin/python3", ["-c", script], {
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env },
    });
    assert.equal(r.status, 0, r.stderr);
    await callsSince(mark, t);
    const got = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(got.ami, ami);
    assert.ok(got.paths.includes("/aws/service/hive/flow-guest/latest"), JSON.stringify(got.paths));
    assert.equal(got.v2, 2);
    const instance = instanceOf(got.instance);
    assert.equal(instance.InstanceType, "t3.nano");
    assert.equal(tagsOf(instance)["aws:ec2launchtemplate:version"], "2");
    assert.equal(userDataOf(got.instance), "v2");
    assert.deepEqual(got.data, { ImageId: ami, InstanceType: "t3.nano" });
    ok(["ec2", "terminate-instances", "--instance-ids", got.instance]);
    await until("the boto3 instance to terminate", () => instanceOf(got.instance).State.Name === "terminated");
  });
});

describe("Ansible: community.aws.ec2_launch_template with the aws_ssm lookup, ec2_instance from it", { skip: ansibleSkip }, () => {
  const playbook = `${PLAY_HEADER}
    - name: the template, its AMI from SSM
      community.aws.ec2_launch_template:
        name: ansible-web
        image_id: "{{ lookup('amazon.aws.aws_ssm', '${AL2023}', endpoint=lookup('env', 'AWS_ENDPOINT_URL')) }}"
        instance_type: t3.micro
      register: lt
    - name: an instance from it
      amazon.aws.ec2_instance:
        name: ansible-from-template
        launch_template:
          id: "{{ lt.template.launch_template_id }}"
        wait: false
`;
  test("the playbook makes the template and an instance from it; a second run changes nothing", async (t) => {
    const file = path.join(dir, "flow.yml");
    fs.writeFileSync(file, playbook);
    let mark = await outputMark();
    const first = runPlaybook(hive, file, dir);
    await callsSince(mark, t);
    assert.equal(first.failed, 0, first.output);
    assert.equal(first.changed, 2, first.output);
    const [lt] = ok(["ec2", "describe-launch-templates", "--launch-template-names", "ansible-web"]).LaunchTemplates;
    const instances = ok(["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=ansible-from-template"]).Reservations.flatMap((r: any) => r.Instances);
    assert.equal(instances.length, 1);
    assert.equal(instances[0].ImageId, ami);
    assert.equal(tagsOf(instances[0])["aws:ec2launchtemplate:id"], lt.LaunchTemplateId);
    mark = await outputMark();
    const second = runPlaybook(hive, file, dir);
    await callsSince(mark, t);
    assert.equal(second.failed, 0, second.output);
    assert.equal(second.changed, 0, second.output);
  });
});
