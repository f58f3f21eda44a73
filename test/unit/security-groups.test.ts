// The security group handlers over an in-memory store: every refusal with its AWS code, the IpPermission grouping,
// the legacy flat parameters, tags on sg-/sgr- ids, and what RunInstances and the data plane read.

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { IpPermission } from "@aws-sdk/client-ec2";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import type { ActionRequest } from "../../src/bus/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { createTags, describeTags, type NetworkChanges } from "../../src/daemon/shared/index.ts";
import { checkGroupsForVpc, createDefaultGroup, groupIdsByNames, rulesForDataPlane, securityGroupHandlers } from "../../src/daemon/security-groups/index.ts";
import { ensureDefaultVpc } from "../../src/daemon/vpc/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const ctx = testContext({ host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: false } });

let store: Store;
let changed: string[];
let h: ReturnType<typeof securityGroupHandlers>;
let vpcId: string;

const req = <I>(input: I): ActionRequest<I> => ({ input, caller: {}, region: "us-east-1", nodes: 1 }) as unknown as ActionRequest<I>;

/** The AWS code a call fails with, through the gateway's one mapping table. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof HiveError) return awsErrorFromDomain(err).code;
    throw err;
  }
  assert.fail("expected an error");
}
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("expected an error");
};

/** A second VPC inserted through the store (CreateVpc lives in another room). */
function otherVpc(): string {
  const id = "vpc-0000000000000000a";
  const now = new Date().toISOString();
  store.vpcs.insert({ id, cidr: "10.0.0.0/16", isDefault: false, dnsSupport: true, dnsHostnames: false, tenancy: "default", netIndex: store.vpcs.freeNetIndex(), createdAt: now });
  createDefaultGroup(store, id, now);
  return id;
}

const create = (name: string, extra: Record<string, unknown> = {}): string =>
  h.CreateSecurityGroup(req({ GroupName: name, Description: `${name} group`, ...extra })).GroupId!;
const describe1 = (id: string) => h.DescribeSecurityGroups(req({ GroupIds: [id] })).SecurityGroups![0]!;
const ssh: IpPermission = { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] };

beforeEach(async () => {
  store = await openStore(":memory:");
  changed = [];
  const changes: NetworkChanges = { vpcChanged: (id) => changed.push(id) };
  h = securityGroupHandlers(ctx, store, changes);
  vpcId = ensureDefaultVpc(ctx, store)!;
});

describe("CreateSecurityGroup", () => {
  test("a new group in the default VPC has no ingress and the allow-all egress rule", () => {
    const id = create("web");
    assert.match(id, /^sg-[0-9a-f]{17}$/);
    assert.deepEqual(changed, [vpcId]);
    const g = describe1(id);
    assert.equal(g.VpcId, vpcId);
    assert.equal(g.OwnerId, ctx.accountId);
    assert.deepEqual(g.IpPermissions, []);
    assert.deepEqual(g.IpPermissionsEgress, [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }]);
  });

  test("names: unique per VPC regardless of case, 'default' taken, sg-* refused, 255 characters and AWS's charset", () => {
    create("web");
    assert.equal(codeOf(() => create("web")), "InvalidGroup.Duplicate");
    assert.match(messageOf(() => create("WEB")), new RegExp(`The security group 'WEB' already exists for VPC '${vpcId}'`));
    assert.equal(codeOf(() => create("default")), "InvalidGroup.Duplicate");
    assert.equal(codeOf(() => create("sg-web")), "InvalidParameterValue");
    assert.match(messageOf(() => create("sg-web")), /Group names may not be in the format sg-\*/);
    assert.equal(codeOf(() => create("x".repeat(256))), "InvalidParameterValue");
    assert.equal(codeOf(() => create("caf\u00e9")), "InvalidParameterValue");
    assert.equal(codeOf(() => h.CreateSecurityGroup(req({ GroupName: "ok", Description: "tab\there" }))), "InvalidParameterValue");
    create("a-z A-Z 0-9 ._-:/()#,@[]+=&;{}!$*");
    // The same name in another VPC is fine.
    const other = otherVpc();
    create("web", { VpcId: other });
  });

  test("VpcId: unknown → InvalidVpcID.NotFound, malformed → InvalidVpcID.Malformed, no default VPC → VPCIdNotSpecified", () => {
    assert.equal(codeOf(() => create("a", { VpcId: "vpc-0123456789abcdef0" })), "InvalidVpcID.NotFound");
    assert.equal(codeOf(() => create("a", { VpcId: "vpc-xyz" })), "InvalidVpcID.Malformed");
    store.vpcs.update(vpcId, { isDefault: false });
    assert.equal(codeOf(() => create("a")), "VPCIdNotSpecified");
    assert.equal(describe1(create("a", { VpcId: vpcId })).VpcId, vpcId);
  });

  test("TagSpecifications tag the group; another resource type is refused", () => {
    const out = h.CreateSecurityGroup(req({ GroupName: "t", Description: "t", TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "env", Value: "dev" }] }] }));
    assert.deepEqual(out.Tags, [{ Key: "env", Value: "dev" }]);
    assert.deepEqual(describe1(out.GroupId!).Tags, [{ Key: "env", Value: "dev" }]);
    assert.equal(codeOf(() => create("u", { TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }] })), "InvalidParameterValue");
  });
});

describe("DeleteSecurityGroup", () => {
  test("by id or by name in the default VPC; unknown → InvalidGroup.NotFound; the default group → CannotDelete", () => {
    const a = create("a");
    changed = [];
    assert.deepEqual(h.DeleteSecurityGroup(req({ GroupId: a })), { Return: true, GroupId: a });
    assert.deepEqual(changed, [vpcId]);
    create("b");
    h.DeleteSecurityGroup(req({ GroupName: "b" }));
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupId: a }))), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupName: "b" }))), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupId: "sg-nope" }))), "InvalidGroupId.Malformed");
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({}))), "MissingParameter");
    const def = store.securityGroups.byName(vpcId, "default")!;
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupId: def.id }))), "CannotDelete");
    assert.match(messageOf(() => h.DeleteSecurityGroup(req({ GroupName: "default" }))), /name: "default" cannot be deleted by a user/);
  });

  test("a group another group's rule references, or an interface uses, → DependencyViolation", () => {
    const web = create("web");
    const db = create("db");
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: web }] }] }));
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupId: web }))), "DependencyViolation");
    assert.match(messageOf(() => h.DeleteSecurityGroup(req({ GroupId: web }))), new RegExp(`resource ${web} has a dependent object`));
    // A group referencing itself, or referencing others, can go; its rules and their tags go with it.
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: db }] }], TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "k", Value: "v" }] }] }));
    h.DeleteSecurityGroup(req({ GroupId: db }));
    assert.equal(store.securityGroups.rules(db).length, 0);
    assert.equal(store.tags.list().filter((t) => t.resourceType === "security-group-rule").length, 0);
    h.DeleteSecurityGroup(req({ GroupId: web }));

    const used = create("used");
    const subnet = store.subnets.list()[0]!;
    store.networkInterfaces.insert({ id: "eni-0000000000000000a", subnetId: subnet.id, vpcId, az: subnet.az, mac: "02:00:00:00:00:01", privateIp: "172.31.0.10", description: "", sourceDestCheck: true, interfaceType: "interface", createdAt: new Date().toISOString() });
    store.networkInterfaces.setGroups("eni-0000000000000000a", [used]);
    assert.equal(codeOf(() => h.DeleteSecurityGroup(req({ GroupId: used }))), "DependencyViolation");
  });
});

describe("AuthorizeSecurityGroupIngress / Egress", () => {
  test("returns Return and the new rules with sgr- ids; the VPC is re-applied", () => {
    const web = create("web");
    changed = [];
    const out = h.AuthorizeSecurityGroupIngress(req({ GroupId: web, IpPermissions: [{ ...ssh, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "ssh from anywhere" }] }] }));
    assert.equal(out.Return, true);
    assert.equal(out.SecurityGroupRules!.length, 1);
    const [rule] = out.SecurityGroupRules!;
    assert.match(rule!.SecurityGroupRuleId!, /^sgr-[0-9a-f]{17}$/);
    assert.deepEqual({ ...rule, SecurityGroupRuleId: undefined }, {
      SecurityGroupRuleId: undefined,
      GroupId: web,
      GroupOwnerId: ctx.accountId,
      IsEgress: false,
      IpProtocol: "tcp",
      FromPort: 22,
      ToPort: 22,
      CidrIpv4: "0.0.0.0/0",
      Description: "ssh from anywhere",
      Tags: [],
    });
    assert.deepEqual(changed, [vpcId]);
  });

  test("the same protocol and ports merge into one IpPermission, each peer with its description", () => {
    const web = create("web");
    const db = create("db");
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "office" }] }] }));
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "6", FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: "192.168.0.0/16" }], UserIdGroupPairs: [{ GroupId: web, Description: "from web" }] }] }));
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [ssh, { IpProtocol: "icmp", FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: "10.1.0.0/16" }] }] }));
    assert.deepEqual(describe1(db).IpPermissions, [
      {
        IpProtocol: "tcp",
        FromPort: 5432,
        ToPort: 5432,
        IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "office" }, { CidrIp: "192.168.0.0/16" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [{ GroupId: web, UserId: ctx.accountId, Description: "from web" }],
      },
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
      { IpProtocol: "icmp", FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: "10.1.0.0/16" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
    ]);
  });

  test("the default group shows its two rules: all from itself, all egress", () => {
    const def = h.DescribeSecurityGroups(req({ GroupNames: ["default"] })).SecurityGroups![0]!;
    assert.equal(def.Description, "default VPC security group");
    assert.deepEqual(def.IpPermissions, [{ IpProtocol: "-1", IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: def.GroupId, UserId: ctx.accountId }] }]);
    assert.deepEqual(def.IpPermissionsEgress![0]!.IpRanges, [{ CidrIp: "0.0.0.0/0" }]);
  });

  test("protocols: names any case, numbers of named protocols become names, -1/all ignore ports, other numbers kept", () => {
    const g = create("p");
    const rules = h.AuthorizeSecurityGroupIngress(req({
      GroupId: g,
      IpPermissions: [
        { IpProtocol: "UDP", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
        { IpProtocol: "17", FromPort: 123, ToPort: 123, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
        { IpProtocol: "1", FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
        { IpProtocol: "all", FromPort: 5, ToPort: 6, IpRanges: [{ CidrIp: "10.2.0.0/16" }] },
        { IpProtocol: "47", IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
        { IpProtocol: "58", IpRanges: [{ CidrIp: "10.3.0.0/16" }] },
      ],
    })).SecurityGroupRules!;
    assert.deepEqual(rules.map((r) => [r.IpProtocol, r.FromPort, r.ToPort]), [
      ["udp", 53, 53], ["udp", 123, 123], ["icmp", -1, -1], ["-1", -1, -1], ["47", -1, -1], ["icmpv6", -1, -1],
    ]);
    const perms = describe1(g).IpPermissions!;
    assert.deepEqual(perms.find((p) => p.IpProtocol === "-1"), { IpProtocol: "-1", IpRanges: [{ CidrIp: "10.2.0.0/16" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] });
  });

  test("refusals: protocol, ports, ICMP type and code, CIDR, description, peers, prefix lists, duplicates", () => {
    const g = create("r");
    const auth = (perm: IpPermission) => () => h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [perm] }));
    const cidr = { IpRanges: [{ CidrIp: "10.0.0.0/8" }] };
    assert.equal(codeOf(auth({ IpProtocol: "gre", ...cidr })), "InvalidParameterValue");
    assert.equal(codeOf(auth({ IpProtocol: "256", ...cidr })), "InvalidParameterValue");
    assert.equal(codeOf(auth({ ...cidr })), "InvalidParameterValue");
    assert.match(messageOf(auth({ IpProtocol: "tcp", FromPort: 22, ...cidr })), /Must specify both from and to ports with TCP\/UDP/);
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: -1, ToPort: -1, ...cidr })), "InvalidPermission.Malformed");
    assert.match(messageOf(auth({ IpProtocol: "udp", FromPort: 1, ToPort: 65536, ...cidr })), /TCP\/UDP port \(65536\) out of range/);
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 80, ToPort: 22, ...cidr })), "InvalidParameterValue");
    assert.match(messageOf(auth({ IpProtocol: "icmp", ...cidr })), /Must specify both from and to ports with ICMP/);
    assert.match(messageOf(auth({ IpProtocol: "icmp", FromPort: 256, ToPort: 0, ...cidr })), /ICMP type \(256\) out of range/);
    assert.match(messageOf(auth({ IpProtocol: "icmp", FromPort: 0, ToPort: 65535, ...cidr })), /ICMP code \(65535\) out of range/);
    assert.equal(codeOf(auth({ IpProtocol: "icmp", FromPort: -1, ToPort: 0, ...cidr })), "InvalidParameterValue");
    for (const bad of ["10.0.0.0", "10.0.0.1/8", "10.0.0.0/33", "300.0.0.0/8", "x"]) {
      assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: bad }] })), "InvalidParameterValue", bad);
    }
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, Ipv6Ranges: [{ CidrIpv6: "fe80::/200" }] })), "InvalidParameterValue");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "bad\u00e9" }] })), "InvalidParameterValue");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2 })), "InvalidPermission.Malformed");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, PrefixListIds: [{ PrefixListId: "pl-12345678" }] })), "UnsupportedOperation");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: "sg-0123456789abcdef0" }] })), "InvalidGroup.NotFound");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: "sg-x" }] })), "InvalidGroupId.Malformed");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupName: "nope" }] })), "InvalidGroup.NotFound");
    assert.equal(codeOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: g, UserId: "999999999999" }] })), "InvalidGroup.NotFound");
    const foreign = store.securityGroups.byName(otherVpc(), "default")!.id;
    assert.match(messageOf(auth({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: foreign }] })), /belong to different networks/);
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: g }))), "MissingParameter");
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: "sg-0123456789abcdef0", IpPermissions: [ssh] }))), "InvalidGroup.NotFound");

    h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] }));
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] }))), "InvalidPermission.Duplicate");
    assert.equal(
      messageOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [{ ...ssh, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "other" }] }] }))),
      'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists',
    );
    // The same permission twice in one call is a duplicate too, and nothing of that call is kept.
    const twice = { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: "10.0.0.0/8" }, { CidrIp: "10.0.0.0/8" }] };
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [twice] }))), "InvalidPermission.Duplicate");
    assert.equal(describe1(g).IpPermissions!.length, 1);
    // Egress has its own set: the same rule is no duplicate there.
    h.AuthorizeSecurityGroupEgress(req({ GroupId: g, IpPermissions: [ssh] }));
  });

  test("IPv6 ranges are accepted and shown; the data plane gets IPv4 only", () => {
    const g = create("v6");
    h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: "::/0", Description: "v6" }] }] }));
    assert.deepEqual(describe1(g).IpPermissions![0]!.Ipv6Ranges, [{ CidrIpv6: "::/0", Description: "v6" }]);
    assert.deepEqual(rulesForDataPlane(store, vpcId).find((x) => x.id === g)!.ingress, []);
  });

  test("the legacy flat parameters: CidrIp with protocol and ports, or a source group by name (full ICMP, TCP and UDP)", () => {
    const web = create("web");
    const db = create("db");
    const out = h.AuthorizeSecurityGroupIngress(req({ GroupName: "db", IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "0.0.0.0/0" }));
    assert.deepEqual(out.SecurityGroupRules!.map((r) => [r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4]), [["tcp", 22, 22, "0.0.0.0/0"]]);
    const bySource = h.AuthorizeSecurityGroupIngress(req({ GroupId: db, SourceSecurityGroupName: "web" })).SecurityGroupRules!;
    assert.deepEqual(bySource.map((r) => [r.IpProtocol, r.FromPort, r.ToPort, r.ReferencedGroupInfo?.GroupId]), [
      ["icmp", -1, -1, web], ["tcp", 0, 65535, web], ["udp", 0, 65535, web],
    ]);
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: db, SourceSecurityGroupName: "web", CidrIp: "10.0.0.0/8" }))), "InvalidParameterCombination");
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: db, CidrIp: "10.0.0.0/8", IpProtocol: "tcp", FromPort: 1, ToPort: 1, IpPermissions: [ssh] }))), "InvalidParameterCombination");
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpProtocol: "tcp", FromPort: 1, ToPort: 1 }))), "MissingParameter");
    assert.equal(codeOf(() => h.AuthorizeSecurityGroupEgress(req({ GroupId: db, CidrIp: "10.0.0.0/8", IpProtocol: "-1" }))), "InvalidParameterValue");
    h.RevokeSecurityGroupIngress(req({ GroupId: db, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "0.0.0.0/0" }));
    h.RevokeSecurityGroupIngress(req({ GroupId: db, SourceSecurityGroupName: "web" }));
    assert.deepEqual(describe1(db).IpPermissions, []);
  });

  test("TagSpecifications tag every new rule; CreateTags and DescribeTags know sg- and sgr- ids", () => {
    const g = create("t");
    const [rule] = h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh], TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "Name", Value: "ssh" }] }] })).SecurityGroupRules!;
    assert.deepEqual(rule!.Tags, [{ Key: "Name", Value: "ssh" }]);
    createTags(req({ Resources: [g, rule!.SecurityGroupRuleId!], Tags: [{ Key: "team", Value: "a" }] }), store);
    const tags = describeTags(req({ Filters: [{ Name: "key", Values: ["team"] }] }), store).Tags!;
    assert.deepEqual(tags.map((t) => [t.ResourceId, t.ResourceType]).sort(), [[g, "security-group"], [rule!.SecurityGroupRuleId, "security-group-rule"]].sort());
    assert.equal(codeOf(() => createTags(req({ Resources: ["sg-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] }), store)), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => createTags(req({ Resources: ["sgr-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] }), store)), "InvalidSecurityGroupRuleId.NotFound");
  });
});

describe("RevokeSecurityGroupIngress / Egress", () => {
  test("by permission: a rule that matches nothing → InvalidPermission.NotFound; partly matched → UnknownIpPermissions", () => {
    const g = create("g");
    h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] }));
    assert.equal(codeOf(() => h.RevokeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [{ ...ssh, FromPort: 23, ToPort: 23 }] }))), "InvalidPermission.NotFound");
    changed = [];
    const out = h.RevokeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [{ ...ssh, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "ignored" }, { CidrIp: "10.0.0.0/8" }] }] }));
    assert.deepEqual(out, { Return: true, UnknownIpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }] });
    assert.deepEqual(describe1(g).IpPermissions, []);
    assert.deepEqual(changed, [vpcId]);
  });

  test("by rule id; an id of another group or direction → InvalidSecurityGroupRuleId.NotFound", () => {
    const g = create("g");
    const other = create("other");
    const [rule] = h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] })).SecurityGroupRules!;
    const [foreign] = h.AuthorizeSecurityGroupIngress(req({ GroupId: other, IpPermissions: [ssh] })).SecurityGroupRules!;
    assert.equal(codeOf(() => h.RevokeSecurityGroupIngress(req({ GroupId: g, SecurityGroupRuleIds: [foreign!.SecurityGroupRuleId!] }))), "InvalidSecurityGroupRuleId.NotFound");
    assert.equal(codeOf(() => h.RevokeSecurityGroupEgress(req({ GroupId: g, SecurityGroupRuleIds: [rule!.SecurityGroupRuleId!] }))), "InvalidSecurityGroupRuleId.NotFound");
    assert.equal(codeOf(() => h.RevokeSecurityGroupIngress(req({ GroupId: g, SecurityGroupRuleIds: ["sgr-bad"] }))), "InvalidSecurityGroupRuleId.Malformed");
    assert.deepEqual(h.RevokeSecurityGroupIngress(req({ GroupId: g, SecurityGroupRuleIds: [rule!.SecurityGroupRuleId!] })), { Return: true });
    // The egress allow-all of a new group can be revoked like any rule.
    const egress = describe1(g).IpPermissionsEgress!;
    h.RevokeSecurityGroupEgress(req({ GroupId: g, IpPermissions: egress }));
    assert.deepEqual(describe1(g).IpPermissionsEgress, []);
  });
});

describe("DescribeSecurityGroups", () => {
  test("GroupIds and GroupNames (default VPC only), unknown ones → InvalidGroup.NotFound, malformed → InvalidGroupId.Malformed", () => {
    const web = create("web");
    const other = otherVpc();
    create("elsewhere", { VpcId: other });
    assert.equal(h.DescribeSecurityGroups(req({ GroupNames: ["WEB"] })).SecurityGroups![0]!.GroupId, web);
    assert.equal(codeOf(() => h.DescribeSecurityGroups(req({ GroupNames: ["elsewhere"] }))), "InvalidGroup.NotFound");
    assert.match(messageOf(() => h.DescribeSecurityGroups(req({ GroupNames: ["elsewhere"] }))), /does not exist in default VPC/);
    assert.equal(codeOf(() => h.DescribeSecurityGroups(req({ GroupIds: [web, "sg-0123456789abcdef0"] }))), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => h.DescribeSecurityGroups(req({ GroupIds: ["web"] }))), "InvalidGroupId.Malformed");
    assert.equal(codeOf(() => h.DescribeSecurityGroups(req({ GroupIds: [web], MaxResults: 5 }))), "InvalidParameterCombination");
    assert.equal(h.DescribeSecurityGroups(req({})).SecurityGroups!.length, 4);
  });

  test("filters: group fields, ip-permission.* and egress.ip-permission.*, tags; unknown filter refused", () => {
    const web = create("web", { TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "tier", Value: "front" }] }] });
    const db = create("db");
    h.AuthorizeSecurityGroupIngress(req({ GroupId: web, IpPermissions: [ssh] }));
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: web }] }] }));
    h.AuthorizeSecurityGroupEgress(req({ GroupId: db, IpPermissions: [{ IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "172.31.0.2/32" }] }] }));
    const ids = (filters: Array<{ Name: string; Values: string[] }>) =>
      h.DescribeSecurityGroups(req({ Filters: filters })).SecurityGroups!.map((g) => g.GroupName).sort();
    assert.deepEqual(ids([{ Name: "group-name", Values: ["w*"] }]), ["web"]);
    assert.deepEqual(ids([{ Name: "group-id", Values: [db] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "description", Values: ["db group"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "vpc-id", Values: [vpcId] }]), ["db", "default", "web"]);
    assert.deepEqual(ids([{ Name: "owner-id", Values: [ctx.accountId] }]).length, 3);
    assert.deepEqual(ids([{ Name: "ip-permission.protocol", Values: ["tcp"] }]), ["db", "web"]);
    assert.deepEqual(ids([{ Name: "ip-permission.from-port", Values: ["22"] }]), ["web"]);
    assert.deepEqual(ids([{ Name: "ip-permission.to-port", Values: ["5432"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "ip-permission.cidr", Values: ["0.0.0.0/0"] }]), ["web"]);
    assert.deepEqual(ids([{ Name: "ip-permission.group-id", Values: [web] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "ip-permission.group-name", Values: ["web"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "ip-permission.protocol", Values: ["-1"] }]), ["default"]);
    assert.deepEqual(ids([{ Name: "egress.ip-permission.protocol", Values: ["udp"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "egress.ip-permission.cidr", Values: ["172.31.0.2/32"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "egress.ip-permission.to-port", Values: ["53"] }]), ["db"]);
    assert.deepEqual(ids([{ Name: "tag:tier", Values: ["front"] }]), ["web"]);
    assert.deepEqual(ids([{ Name: "tag-key", Values: ["tier"] }]), ["web"]);
    assert.equal(codeOf(() => ids([{ Name: "ip-permission.bogus", Values: ["x"] }])), "InvalidParameterValue");
  });

  test("MaxResults and NextToken page through the groups in id order", () => {
    for (let i = 0; i < 11; i++) create(`g${i}`);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const out = h.DescribeSecurityGroups(req({ MaxResults: 5, NextToken: token }));
      assert.ok(out.SecurityGroups!.length <= 5);
      seen.push(...out.SecurityGroups!.map((g) => g.GroupId!));
      token = out.NextToken;
    } while (token);
    assert.equal(seen.length, 12);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(codeOf(() => h.DescribeSecurityGroups(req({ MaxResults: 5, NextToken: "garbage" }))), "InvalidParameterValue");
  });
});

describe("DescribeSecurityGroupRules, ModifySecurityGroupRules, UpdateSecurityGroupRuleDescriptions*", () => {
  test("rules listed by id, by group-id filter, by tag, and paged", () => {
    const g = create("g");
    const [rule] = h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh], TagSpecifications: [{ ResourceType: "security-group-rule", Tags: [{ Key: "Name", Value: "ssh" }] }] })).SecurityGroupRules!;
    const of = (input: object) => h.DescribeSecurityGroupRules(req(input)).SecurityGroupRules!;
    assert.deepEqual(of({ SecurityGroupRuleIds: [rule!.SecurityGroupRuleId] }), [rule]);
    const mine = of({ Filters: [{ Name: "group-id", Values: [g] }] });
    assert.deepEqual(mine.map((r) => [r.IsEgress, r.IpProtocol, r.CidrIpv4]).sort(), [[false, "tcp", "0.0.0.0/0"], [true, "-1", "0.0.0.0/0"]]);
    assert.deepEqual(of({ Filters: [{ Name: "tag:Name", Values: ["ssh"] }] }).map((r) => r.SecurityGroupRuleId), [rule!.SecurityGroupRuleId]);
    assert.deepEqual(of({ Filters: [{ Name: "security-group-rule-id", Values: [rule!.SecurityGroupRuleId!] }] }).length, 1);
    assert.equal(codeOf(() => of({ SecurityGroupRuleIds: ["sgr-0123456789abcdef0"] })), "InvalidSecurityGroupRuleId.NotFound");
    assert.equal(codeOf(() => of({ Filters: [{ Name: "vpc-id", Values: ["x"] }] })), "InvalidParameterValue");
    const page = h.DescribeSecurityGroupRules(req({ MaxResults: 2 }));
    assert.equal(page.SecurityGroupRules!.length, 2);
    const rest = h.DescribeSecurityGroupRules(req({ MaxResults: 5, NextToken: page.NextToken }));
    assert.equal(page.SecurityGroupRules!.length + rest.SecurityGroupRules!.length, 4);
  });

  test("ModifySecurityGroupRules replaces protocol, ports, peer and description in place", () => {
    const web = create("web");
    const g = create("g");
    const [rule] = h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] })).SecurityGroupRules!;
    const id = rule!.SecurityGroupRuleId!;
    changed = [];
    assert.deepEqual(h.ModifySecurityGroupRules(req({ GroupId: g, SecurityGroupRules: [{ SecurityGroupRuleId: id, SecurityGroupRule: { IpProtocol: "tcp", FromPort: 80, ToPort: 81, ReferencedGroupId: web, Description: "http" } }] })), { Return: true });
    const [after] = h.DescribeSecurityGroupRules(req({ SecurityGroupRuleIds: [id] })).SecurityGroupRules!;
    assert.deepEqual([after!.FromPort, after!.ToPort, after!.CidrIpv4, after!.ReferencedGroupInfo?.GroupId, after!.Description], [80, 81, undefined, web, "http"]);
    assert.deepEqual(changed, [vpcId]);
    const modify = (r: object, ruleId = id) => () => h.ModifySecurityGroupRules(req({ GroupId: g, SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, SecurityGroupRule: r }] }));
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 1, ToPort: 2 })), "InvalidPermission.Malformed");
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, CidrIpv4: "10.0.0.0/8", ReferencedGroupId: web })), "InvalidPermission.Malformed");
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 2, ToPort: 1, CidrIpv4: "10.0.0.0/8" })), "InvalidParameterValue");
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, CidrIpv4: "10.0.0.0/8" }, "sgr-0123456789abcdef0")), "InvalidSecurityGroupRuleId.NotFound");
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 1, ToPort: 2, PrefixListId: "pl-12345678" })), "UnsupportedOperation");
    // Turning it into the group's egress allow-all is no duplicate (another direction); into an existing ingress rule is.
    h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] }));
    assert.equal(codeOf(modify({ IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIpv4: "0.0.0.0/0" })), "InvalidPermission.Duplicate");
  });

  test("UpdateSecurityGroupRuleDescriptionsIngress/Egress by permission or by rule id; omitting it removes the description", () => {
    const g = create("g");
    const [rule] = h.AuthorizeSecurityGroupIngress(req({ GroupId: g, IpPermissions: [ssh] })).SecurityGroupRules!;
    h.UpdateSecurityGroupRuleDescriptionsIngress(req({ GroupId: g, IpPermissions: [{ ...ssh, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "admin ssh" }] }] }));
    assert.deepEqual(describe1(g).IpPermissions![0]!.IpRanges, [{ CidrIp: "0.0.0.0/0", Description: "admin ssh" }]);
    h.UpdateSecurityGroupRuleDescriptionsIngress(req({ GroupName: "g", SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: rule!.SecurityGroupRuleId, Description: "by id" }] }));
    assert.deepEqual(describe1(g).IpPermissions![0]!.IpRanges, [{ CidrIp: "0.0.0.0/0", Description: "by id" }]);
    h.UpdateSecurityGroupRuleDescriptionsIngress(req({ GroupId: g, IpPermissions: [ssh] }));
    assert.deepEqual(describe1(g).IpPermissions![0]!.IpRanges, [{ CidrIp: "0.0.0.0/0" }]);
    h.UpdateSecurityGroupRuleDescriptionsEgress(req({ GroupId: g, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "out" }] }] }));
    assert.deepEqual(describe1(g).IpPermissionsEgress![0]!.IpRanges, [{ CidrIp: "0.0.0.0/0", Description: "out" }]);
    assert.equal(codeOf(() => h.UpdateSecurityGroupRuleDescriptionsIngress(req({ GroupId: g, IpPermissions: [{ ...ssh, FromPort: 23, ToPort: 23 }] }))), "InvalidPermission.NotFound");
    assert.equal(codeOf(() => h.UpdateSecurityGroupRuleDescriptionsEgress(req({ GroupId: g, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: rule!.SecurityGroupRuleId, Description: "x" }] }))), "InvalidSecurityGroupRuleId.NotFound");
    assert.equal(codeOf(() => h.UpdateSecurityGroupRuleDescriptionsIngress(req({ GroupId: g, SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: rule!.SecurityGroupRuleId, Description: "\u00e9" }] }))), "InvalidParameterValue");
  });
});

describe("what RunInstances and the data plane read", () => {
  test("groupIdsByNames resolves names in a VPC; checkGroupsForVpc refuses unknown groups and other VPCs' groups", () => {
    const web = create("web");
    const def = store.securityGroups.byName(vpcId, "default")!.id;
    assert.deepEqual(groupIdsByNames(store, vpcId, ["web", "default"]), [web, def]);
    assert.equal(codeOf(() => groupIdsByNames(store, vpcId, ["nope"])), "InvalidGroup.NotFound");
    checkGroupsForVpc(store, vpcId, [web, def]);
    const foreign = store.securityGroups.byName(otherVpc(), "default")!.id;
    assert.equal(codeOf(() => checkGroupsForVpc(store, vpcId, [foreign], "subnet-0123456789abcdef0")), "InvalidParameter");
    assert.equal(messageOf(() => checkGroupsForVpc(store, vpcId, [foreign], "subnet-0123456789abcdef0")), `Security group ${foreign} and subnet subnet-0123456789abcdef0 belong to different networks.`);
    assert.equal(codeOf(() => checkGroupsForVpc(store, vpcId, ["sg-0123456789abcdef0"])), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => checkGroupsForVpc(store, vpcId, ["sg-x"])), "InvalidGroupId.Malformed");
  });

  test("rulesForDataPlane: each group of the VPC with merged IPv4 rules and group references", () => {
    const web = create("web");
    const db = create("db");
    const def = store.securityGroups.byName(vpcId, "default")!.id;
    h.AuthorizeSecurityGroupIngress(req({ GroupId: db, IpPermissions: [
      { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: web }], IpRanges: [{ CidrIp: "10.9.0.0/16" }] },
      { IpProtocol: "icmp", FromPort: 8, ToPort: 0, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
      { IpProtocol: "47", IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
    ] }));
    const plan = rulesForDataPlane(store, vpcId);
    assert.deepEqual(plan.map((g) => g.id).sort(), [db, def, web].sort());
    assert.deepEqual(plan.find((g) => g.id === def), {
      id: def,
      ingress: [{ protocol: "all", cidrs: [], groupIds: [def] }],
      egress: [{ protocol: "all", cidrs: ["0.0.0.0/0"], groupIds: [] }],
    });
    assert.deepEqual(plan.find((g) => g.id === db)!.ingress, [
      { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrs: ["10.9.0.0/16"], groupIds: [web] },
      { protocol: "icmp", fromPort: 8, toPort: 0, cidrs: ["0.0.0.0/0"], groupIds: [] },
      { protocol: 47, cidrs: ["10.0.0.0/8"], groupIds: [] },
    ]);
    assert.deepEqual(rulesForDataPlane(store, otherVpc()).length, 1);
  });
});
