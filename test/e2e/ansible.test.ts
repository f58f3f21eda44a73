// Ansible's amazon.aws modules (Debian's ansible package) against the compiled hive: a VPC, a subnet, a security
// group, a network interface and an instance with no subnet given (the default VPC), then the same playbook again,
// which must report no change.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ansibleSkip, PLAY_HEADER, runPlaybook } from "../helpers/ansible.ts";
import { awsDriver } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");

const playbook = (ami: string, zone: string) => `${PLAY_HEADER}
    - name: a VPC
      amazon.aws.ec2_vpc_net:
        name: ansible-net
        cidr_block: 10.20.0.0/16
        tags: { Team: edge }
      register: vpc
    - name: a subnet in it
      amazon.aws.ec2_vpc_subnet:
        vpc_id: "{{ vpc.vpc.id }}"
        cidr: 10.20.1.0/24
        az: ${zone}
        tags: { Name: ansible-subnet }
      register: subnet
    - name: a security group allowing SSH
      amazon.aws.ec2_security_group:
        name: ansible-web
        description: web servers
        vpc_id: "{{ vpc.vpc.id }}"
        rules:
          - proto: tcp
            ports: [22]
            cidr_ip: 0.0.0.0/0
            rule_desc: ssh
      register: sg
    - name: a network interface with a fixed address
      amazon.aws.ec2_eni:
        subnet_id: "{{ subnet.subnet.id }}"
        private_ip_address: 10.20.1.10
        security_groups: ["{{ sg.group_id }}"]
        description: ansible eni
      register: eni
    - name: an instance with no subnet given, in the default VPC
      amazon.aws.ec2_instance:
        name: ansible-instance
        image_id: ${ami}
        instance_type: t3.micro
        wait: false
      register: instance
`;

describe("e2e: Ansible amazon.aws", { skip: ansibleSkip }, () => {
  let hive: HiveInstance;
  let dir: string;
  let ami = "";
  before(async () => {
    hive = await startHive();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-ansible-"));
    const r = runHive(["image", "import", GUEST, "--name", "ansible-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    ami = r.stdout.trim();
  });
  after(async () => {
    await hive?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const { ok } = awsDriver(() => hive);

  /** Writes the playbook for this AMI and zone and runs it (see runPlaybook). */
  const play = () => {
    const zone = ok(["ec2", "describe-availability-zones"]).AvailabilityZones[0].ZoneName as string;
    const file = path.join(dir, "site.yml");
    fs.writeFileSync(file, playbook(ami, zone));
    return runPlaybook(hive, file, dir);
  };

  test("the playbook creates the VPC, subnet, group, interface and an instance in the default VPC", () => {
    const first = play();
    assert.equal(first.failed, 0, first.output);
    assert.equal(first.changed, 5, first.output);
    const [vpc] = ok(["ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=ansible-net"]).Vpcs;
    assert.equal(vpc.CidrBlock, "10.20.0.0/16");
    const [subnet] = ok(["ec2", "describe-subnets", "--filters", `Name=vpc-id,Values=${vpc.VpcId}`]).Subnets;
    assert.equal(subnet.CidrBlock, "10.20.1.0/24");
    const [group] = ok(["ec2", "describe-security-groups", "--filters", `Name=vpc-id,Values=${vpc.VpcId}`, "Name=group-name,Values=ansible-web"]).SecurityGroups;
    assert.deepEqual(
      group.IpPermissions.map((p: any) => [p.IpProtocol, p.FromPort, p.ToPort, p.IpRanges.map((r: any) => r.CidrIp).join()]),
      [["tcp", 22, 22, "0.0.0.0/0"]],
    );
    const [eni] = ok(["ec2", "describe-network-interfaces", "--filters", `Name=subnet-id,Values=${subnet.SubnetId}`]).NetworkInterfaces;
    assert.equal(eni.PrivateIpAddress, "10.20.1.10");
    assert.deepEqual(eni.Groups.map((g: any) => g.GroupId), [group.GroupId]);
    const [defaultVpc] = ok(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"]).Vpcs;
    const instances = ok(["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=ansible-instance"]).Reservations.flatMap((r: any) => r.Instances);
    assert.equal(instances.length, 1);
    assert.equal(instances[0].VpcId, defaultVpc.VpcId);
  });

  test("running it again changes nothing", () => {
    const second = play();
    assert.equal(second.failed, 0, second.output);
    assert.equal(second.changed, 0, second.output);
    assert.equal(ok(["ec2", "describe-instances", "--filters", "Name=tag:Name,Values=ansible-instance"]).Reservations.flatMap((r: any) => r.Instances).length, 1);
  });
});
