// Ansible's amazon.aws VPC modules against the compiled hive: ec2_vpc_net, ec2_vpc_subnet, ec2_vpc_igw and
// ec2_vpc_route_table build a public subnet, a second run reports no change, and state=absent takes it all down.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { startHive, type HiveInstance } from "../helpers/hive.ts";

const hasAnsible = spawnSync("sh", ["-c", "command -v ansible-playbook && ansible-doc -t module amazon.aws.ec2_vpc_net >/dev/null"]).status === 0;

const HEADER = `- hosts: localhost
  gather_facts: false
  connection: local
  vars:
    aws: &aws
      endpoint_url: "{{ lookup('env','AWS_ENDPOINT_URL') }}"
      aws_ca_bundle: "{{ lookup('env','AWS_CA_BUNDLE') }}"
      region: us-east-1
  tasks:
`;

const UP = `${HEADER}    - amazon.aws.ec2_vpc_net_info: { <<: *aws, filters: { isDefault: "true" } }
      register: default_vpc
    - assert: { that: ["default_vpc.vpcs | length == 1", "default_vpc.vpcs[0].cidr_block == '172.31.0.0/16'"] }
    - amazon.aws.ec2_vpc_net: { <<: *aws, name: app, cidr_block: 10.0.0.0/16, dns_support: true, dns_hostnames: true, tags: { env: e2e } }
      register: vpc
    - amazon.aws.ec2_vpc_subnet: { <<: *aws, vpc_id: "{{ vpc.vpc.id }}", cidr: 10.0.1.0/24, map_public: true, tags: { Name: web } }
      register: subnet
    - amazon.aws.ec2_vpc_igw: { <<: *aws, vpc_id: "{{ vpc.vpc.id }}", tags: { Name: gw } }
      register: igw
    - amazon.aws.ec2_vpc_route_table:
        <<: *aws
        vpc_id: "{{ vpc.vpc.id }}"
        tags: { Name: public }
        subnets: ["{{ subnet.subnet.id }}"]
        routes: [{ dest: 0.0.0.0/0, gateway_id: "{{ igw.gateway_id }}" }]
`;

const DOWN = `${HEADER}    - amazon.aws.ec2_vpc_net_info: { <<: *aws, filters: { "tag:Name": app } }
      register: found
    - set_fact: { vpc_id: "{{ found.vpcs[0].id }}" }
    - amazon.aws.ec2_vpc_route_table: { <<: *aws, vpc_id: "{{ vpc_id }}", tags: { Name: public }, state: absent }
    - amazon.aws.ec2_vpc_igw: { <<: *aws, vpc_id: "{{ vpc_id }}", state: absent }
    - amazon.aws.ec2_vpc_subnet: { <<: *aws, vpc_id: "{{ vpc_id }}", cidr: 10.0.1.0/24, state: absent }
    - amazon.aws.ec2_vpc_net: { <<: *aws, name: app, cidr_block: 10.0.0.0/16, state: absent }
`;

describe("e2e: Ansible's VPC modules", { skip: !hasAnsible && "needs ansible-playbook with the amazon.aws collection" }, () => {
  let hive: HiveInstance;
  let dir: string;
  before(async () => {
    hive = await startHive();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-ansible-"));
    fs.writeFileSync(path.join(dir, "up.yml"), UP);
    fs.writeFileSync(path.join(dir, "down.yml"), DOWN);
  });
  after(async () => {
    await hive?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const { ok } = awsDriver(() => hive);

  /** Runs a playbook and returns its recap's counts. */
  const play = (file: string): { ok: number; changed: number; failed: number } => {
    const r = spawnSync("ansible-playbook", [file], {
      cwd: dir,
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ANSIBLE_LOCALHOST_WARNING: "false", ...hive.env },
    });
    const recap = /localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(r.stdout);
    assert.ok(recap, `${file}:\n${r.stdout}\n${r.stderr}`);
    const counts = { ok: Number(recap[1]), changed: Number(recap[2]), failed: Number(recap[3]) };
    assert.equal(counts.failed, 0, r.stdout);
    assert.equal(r.status, 0, r.stdout);
    return counts;
  };

  test("a playbook builds a public subnet; run again it changes nothing; state=absent removes it", () => {
    assert.equal(play("up.yml").changed, 4);
    const [vpc] = ok(["ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=app"]).Vpcs;
    const [table] = ok(["ec2", "describe-route-tables", "--filters", `Name=vpc-id,Values=${vpc.VpcId}`, "Name=tag:Name,Values=public"]).RouteTables;
    assert.ok(table.Routes.some((r: { DestinationCidrBlock: string; GatewayId: string }) => r.DestinationCidrBlock === "0.0.0.0/0" && r.GatewayId.startsWith("igw-")));
    assert.equal(table.Associations.length, 1);
    assert.equal(play("up.yml").changed, 0);
    assert.equal(play("down.yml").changed, 4);
    assert.deepEqual(ok(["ec2", "describe-vpcs"]).Vpcs.map((v: { IsDefault: boolean }) => v.IsDefault), [true]);
  });
});
