// Security groups end to end: the compiled hive (user-mode network, so no data plane) driven by the real aws CLI
// through the story: the default group, a web group open to SSH, a db group reached from web on 5432,
// filters, rule listings and edits, revokes, and deletions refused while something depends on the group; then
// Ansible's amazon.aws.ec2_security_group, run twice (the second run changes nothing) and with a rule dropped.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { startHive, type HiveInstance } from "../helpers/hive.ts";

describe("e2e: security groups", () => {
  let hive: HiveInstance;
  before(async () => {
    hive = await startHive();
  });
  after(async () => {
    await hive?.stop();
  });

  const { ok, fails } = awsDriver(() => hive);
  let vpcId: string;
  let web: string;
  let db: string;
  let defaultGroup: string;

  const group = (id: string) => ok(["ec2", "describe-security-groups", "--group-ids", id]).SecurityGroups[0];

  test("describe-security-groups lists the default VPC's default group with its two rules", () => {
    const groups = ok(["ec2", "describe-security-groups"]).SecurityGroups;
    assert.equal(groups.length, 1);
    const [g] = groups;
    assert.equal(g.GroupName, "default");
    assert.equal(g.Description, "default VPC security group");
    assert.equal(g.OwnerId, hive.accountId);
    assert.match(g.VpcId, /^vpc-[0-9a-f]{17}$/);
    vpcId = g.VpcId;
    defaultGroup = g.GroupId;
    assert.deepEqual(g.IpPermissions, [
      { IpProtocol: "-1", IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: g.GroupId, UserId: hive.accountId }] },
    ]);
    assert.deepEqual(g.IpPermissionsEgress, [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }]);
    const rules = ok(["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${g.GroupId}`]).SecurityGroupRules;
    assert.equal(rules.length, 2);
  });

  test("create-security-group --vpc-id, with tags; a duplicate name and an sg-* name are refused", () => {
    web = ok([
      "ec2", "create-security-group", "--group-name", "web", "--description", "web servers", "--vpc-id", vpcId,
      "--tag-specifications", "ResourceType=security-group,Tags=[{Key=tier,Value=front}]",
    ]).GroupId;
    assert.match(web, /^sg-[0-9a-f]{17}$/);
    // Without --vpc-id: the default VPC.
    db = ok(["ec2", "create-security-group", "--group-name", "db", "--description", "databases"]).GroupId;
    assert.equal(group(db).VpcId, vpcId);
    assert.deepEqual(group(web).Tags, [{ Key: "tier", Value: "front" }]);
    fails(["ec2", "create-security-group", "--group-name", "web", "--description", "again", "--vpc-id", vpcId], "InvalidGroup.Duplicate");
    fails(["ec2", "create-security-group", "--group-name", "sg-web", "--description", "x"], "InvalidParameterValue");
    fails(["ec2", "create-security-group", "--group-name", "x", "--description", "x", "--vpc-id", "vpc-0123456789abcdef0"], "InvalidVpcID.NotFound");
  });

  test("authorize-security-group-ingress --protocol tcp --port 22 --cidr 0.0.0.0/0 (and the flat --ip-protocol form)", () => {
    const out = ok(["ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"]);
    assert.equal(out.Return, true);
    assert.equal(out.SecurityGroupRules.length, 1);
    assert.match(out.SecurityGroupRules[0].SecurityGroupRuleId, /^sgr-[0-9a-f]{17}$/);
    assert.deepEqual([out.SecurityGroupRules[0].IpProtocol, out.SecurityGroupRules[0].FromPort, out.SecurityGroupRules[0].CidrIpv4], ["tcp", 22, "0.0.0.0/0"]);
    fails(["ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"], "InvalidPermission.Duplicate");
    // The undocumented flat parameters travel as CidrIp/IpProtocol/FromPort/ToPort.
    ok(["ec2", "authorize-security-group-ingress", "--group-name", "web", "--ip-protocol", "tcp", "--from-port", "80", "--to-port", "80", "--cidr-ip", "0.0.0.0/0"]);
    assert.deepEqual(
      group(web).IpPermissions.map((p: { FromPort: number }) => p.FromPort),
      [22, 80],
    );
    fails(["ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "70000", "--cidr", "0.0.0.0/0"], "InvalidPermission.Malformed");
    fails(["ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "icmp", "--port", "8-300", "--cidr", "0.0.0.0/0"], "InvalidParameterValue");
  });

  test("a group-referencing rule: web → db on tcp 5432, with a description, and rule tags", () => {
    const out = ok([
      "ec2", "authorize-security-group-ingress", "--group-id", db,
      "--ip-permissions", `IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${web},Description=from-web}],IpRanges=[{CidrIp=10.8.0.0/16,Description=vpn}]`,
      "--tag-specifications", "ResourceType=security-group-rule,Tags=[{Key=Name,Value=pg}]",
    ]);
    assert.equal(out.SecurityGroupRules.length, 2);
    assert.deepEqual(out.SecurityGroupRules.map((r: { Tags: unknown }) => r.Tags), [[{ Key: "Name", Value: "pg" }], [{ Key: "Name", Value: "pg" }]]);
    const [perm] = group(db).IpPermissions;
    assert.deepEqual(perm, {
      IpProtocol: "tcp",
      FromPort: 5432,
      ToPort: 5432,
      IpRanges: [{ CidrIp: "10.8.0.0/16", Description: "vpn" }],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [{ GroupId: web, UserId: hive.accountId, Description: "from-web" }],
    });
    fails(["ec2", "authorize-security-group-ingress", "--group-id", db, "--protocol", "tcp", "--port", "1", "--source-group", "sg-0123456789abcdef0"], "InvalidGroup.NotFound");
  });

  test("describe-security-groups with filters", () => {
    const names = (...filters: string[]) =>
      ok(["ec2", "describe-security-groups", "--filters", ...filters]).SecurityGroups.map((g: { GroupName: string }) => g.GroupName).sort();
    assert.deepEqual(names(`Name=vpc-id,Values=${vpcId}`), ["db", "default", "web"]);
    assert.deepEqual(names("Name=group-name,Values=web,db"), ["db", "web"]);
    assert.deepEqual(names("Name=ip-permission.from-port,Values=22"), ["web"]);
    assert.deepEqual(names(`Name=ip-permission.group-id,Values=${web}`), ["db"]);
    assert.deepEqual(names("Name=ip-permission.cidr,Values=0.0.0.0/0", "Name=ip-permission.protocol,Values=tcp"), ["web"]);
    assert.deepEqual(names("Name=egress.ip-permission.cidr,Values=0.0.0.0/0"), ["db", "default", "web"]);
    assert.deepEqual(names("Name=tag:tier,Values=front"), ["web"]);
    assert.deepEqual(ok(["ec2", "describe-security-groups", "--group-names", "db"]).SecurityGroups[0].GroupId, db);
    fails(["ec2", "describe-security-groups", "--group-ids", "sg-0123456789abcdef0"], "InvalidGroup.NotFound");
    fails(["ec2", "describe-security-groups", "--group-ids", "nope"], "InvalidGroupId.Malformed");
    // The CLI pages with MaxResults/NextToken and joins the pages itself.
    assert.equal(ok(["ec2", "describe-security-groups", "--page-size", "5"]).SecurityGroups.length, 3);
  });

  test("describe-security-group-rules, modify-security-group-rules, update-security-group-rule-descriptions-ingress", () => {
    const rules = ok(["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${web}`, "Name=tag-key,Values=Name"]).SecurityGroupRules;
    assert.deepEqual(rules, []);
    const webRules = ok(["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${web}`]).SecurityGroupRules;
    const http = webRules.find((r: { FromPort: number; IsEgress: boolean }) => r.FromPort === 80 && !r.IsEgress);
    assert.ok(http, JSON.stringify(webRules));
    ok([
      "ec2", "modify-security-group-rules", "--group-id", web,
      "--security-group-rules", `SecurityGroupRuleId=${http.SecurityGroupRuleId},SecurityGroupRule={IpProtocol=tcp,FromPort=443,ToPort=443,CidrIpv4=0.0.0.0/0,Description=https}`,
    ]);
    const [after] = ok(["ec2", "describe-security-group-rules", "--security-group-rule-ids", http.SecurityGroupRuleId]).SecurityGroupRules;
    assert.deepEqual([after.FromPort, after.ToPort, after.Description], [443, 443, "https"]);
    ok([
      "ec2", "update-security-group-rule-descriptions-ingress", "--group-id", web,
      "--ip-permissions", "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0,Description=admin-ssh}]",
    ]);
    const ssh = group(web).IpPermissions.find((p: { FromPort: number }) => p.FromPort === 22);
    assert.deepEqual(ssh.IpRanges, [{ CidrIp: "0.0.0.0/0", Description: "admin-ssh" }]);
    fails(["ec2", "describe-security-group-rules", "--security-group-rule-ids", "sgr-0123456789abcdef0"], "InvalidSecurityGroupRuleId.NotFound");
  });

  test("create-tags and describe-tags on sg- and sgr- ids", () => {
    const [rule] = ok(["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${db}`, "Name=tag:Name,Values=pg"]).SecurityGroupRules;
    ok(["ec2", "create-tags", "--resources", db, rule.SecurityGroupRuleId, "--tags", "Key=team,Value=data"]);
    const tags = ok(["ec2", "describe-tags", "--filters", "Name=key,Values=team"]).Tags;
    assert.deepEqual(tags.map((t: { ResourceType: string }) => t.ResourceType).sort(), ["security-group", "security-group-rule"]);
    fails(["ec2", "create-tags", "--resources", "sg-0123456789abcdef0", "--tags", "Key=a,Value=b"], "InvalidGroup.NotFound");
  });

  test("revoke: a rule that matches nothing is InvalidPermission.NotFound; by permission and by rule id", () => {
    fails(["ec2", "revoke-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "23", "--cidr", "0.0.0.0/0"], "InvalidPermission.NotFound");
    const partly = ok([
      "ec2", "revoke-security-group-ingress", "--group-id", web,
      "--ip-permissions", "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0},{CidrIp=10.0.0.0/8}]",
    ]);
    assert.equal(partly.Return, true);
    assert.deepEqual(partly.UnknownIpPermissions[0].IpRanges, [{ CidrIp: "10.0.0.0/8" }]);
    const [https] = ok(["ec2", "describe-security-group-rules", "--filters", `Name=group-id,Values=${web}`]).SecurityGroupRules.filter((r: { IsEgress: boolean }) => !r.IsEgress);
    ok(["ec2", "revoke-security-group-ingress", "--group-id", web, "--security-group-rule-ids", https.SecurityGroupRuleId]);
    assert.deepEqual(group(web).IpPermissions, []);
  });

  test("delete: DependencyViolation while db's rule references web, then both go; the default group cannot", () => {
    fails(["ec2", "delete-security-group", "--group-id", web], "DependencyViolation");
    fails(["ec2", "delete-security-group", "--group-id", defaultGroup], "CannotDelete");
    ok(["ec2", "revoke-security-group-ingress", "--group-id", db, "--ip-permissions", `IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${web}}]`]);
    ok(["ec2", "delete-security-group", "--group-id", web]);
    ok(["ec2", "delete-security-group", "--group-name", "db"]);
    fails(["ec2", "delete-security-group", "--group-id", web], "InvalidGroup.NotFound");
    assert.deepEqual(ok(["ec2", "describe-security-groups"]).SecurityGroups.map((g: { GroupName: string }) => g.GroupName), ["default"]);
  });

  const ansible =
    spawnSync("sh", ["-c", "command -v ansible-playbook"]).status === 0 &&
    spawnSync("/usr/bin/python3", ["-c", "import boto3"]).status === 0 &&
    spawnSync("ansible-doc", ["-l", "amazon.aws"], { encoding: "utf8" }).stdout?.includes("ec2_security_group");

  test("Ansible's ec2_security_group creates groups, then reports no change, then revokes a dropped rule", { skip: !ansible && "needs ansible-playbook with amazon.aws and boto3" }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-sg-ansible-"));
    try {
      const play = (ports: number[]) => `- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws:
      endpoint_url: "{{ lookup('env', 'AWS_ENDPOINT_URL') }}"
      aws_ca_bundle: "{{ lookup('env', 'AWS_CA_BUNDLE') }}"
  tasks:
    - amazon.aws.ec2_security_group:
        name: app
        description: app servers
        rules:
          - { proto: tcp, ports: ${JSON.stringify(ports)}, cidr_ip: 0.0.0.0/0, rule_desc: public }
          - { proto: icmp, from_port: 8, to_port: -1, cidr_ip: 10.0.0.0/8 }
        tags: { tier: app }
    - amazon.aws.ec2_security_group:
        name: store
        description: storage
        rules:
          - { proto: tcp, ports: [5432], group_name: app }
        rules_egress:
          - { proto: udp, ports: [53], cidr_ip: 172.31.0.2/32 }
`;
      const run = (ports: number[]): string => {
        fs.writeFileSync(path.join(dir, "play.yml"), play(ports));
        const r = spawnSync("ansible-playbook", ["play.yml"], {
          cwd: dir,
          encoding: "utf8",
          env: {
            ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env,
            ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3", ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_INVENTORY_UNPARSED_WARNING: "false",
          },
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        return /localhost\s*:\s*ok=\d+\s+changed=(\d+)/.exec(r.stdout)?.[1] ?? "?";
      };
      assert.equal(run([22, 80]), "2");
      assert.equal(run([22, 80]), "0");
      const app = ok(["ec2", "describe-security-groups", "--filters", "Name=group-name,Values=app"]).SecurityGroups[0];
      assert.deepEqual(app.Tags, [{ Key: "tier", Value: "app" }]);
      assert.deepEqual(app.IpPermissions.map((p: { IpProtocol: string; FromPort: number }) => `${p.IpProtocol}/${p.FromPort}`).sort(), ["icmp/8", "tcp/22", "tcp/80"]);
      const store = ok(["ec2", "describe-security-groups", "--filters", "Name=group-name,Values=store"]).SecurityGroups[0];
      assert.equal(store.IpPermissions[0].UserIdGroupPairs[0].GroupId, app.GroupId);
      assert.deepEqual(store.IpPermissionsEgress.map((p: { IpProtocol: string }) => p.IpProtocol), ["udp"]);
      assert.equal(run([22]), "1");
      const after = ok(["ec2", "describe-security-groups", "--group-ids", app.GroupId]).SecurityGroups[0];
      assert.deepEqual(after.IpPermissions.map((p: { IpProtocol: string; FromPort: number }) => `${p.IpProtocol}/${p.FromPort}`).sort(), ["icmp/8", "tcp/22"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
