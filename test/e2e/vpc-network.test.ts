// End to end, the EC2 network model on the host (bridge mode, as root): hive runs inside a network namespace of the
// test's own, next to an "outside" namespace standing in for the internet, and real guests live in VPCs whose
// routers, security groups, NAT, Elastic IPs, DNS and metadata service are hive's. The aws CLI is the client.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver, imdsExchange } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";
import { scopeOf } from "../../src/daemon/network/index.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const CLOUD_IMAGE = path.join(ROOT, "build", "cloud-guest", "debian-cloud.raw");
const tag = randomBytes(3).toString("hex");
const ns = `hive-e2e-${tag}`;
const outside = `hive-e2e-${tag}-o`;
const OUTSIDE_IP = "198.51.100.1";
const PUBLIC_CIDR = "198.51.100.16/28";
const run = (cmd: string[], timeout = 60_000) => spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout });
const inNs = (cmd: string[], timeout = 60_000) => run(["ip", "netns", "exec", ns, ...cmd], timeout);
const inOutside = (cmd: string[], timeout = 60_000) => run(["ip", "netns", "exec", outside, ...cmd], timeout);

const skip = (() => {
  if (process.getuid?.() !== 0) return "VPC networking needs root";
  if (run(["ip", "netns", "add", ns]).status !== 0) return "cannot create a network namespace here";
  run(["ip", "netns", "add", outside]);
  // hive's namespace reaches the "internet" (the outside namespace) through wan0, its default route.
  for (const c of [
    ["ip", "-n", ns, "link", "set", "lo", "up"],
    ["ip", "-n", outside, "link", "set", "lo", "up"],
    ["ip", "-n", ns, "link", "add", "wan0", "type", "veth", "peer", "name", "wan1", "netns", outside],
    ["ip", "-n", ns, "addr", "add", "198.51.100.2/24", "dev", "wan0"],
    ["ip", "-n", ns, "link", "set", "wan0", "up"],
    ["ip", "-n", ns, "route", "add", "default", "via", OUTSIDE_IP],
    ["ip", "-n", outside, "addr", "add", `${OUTSIDE_IP}/24`, "dev", "wan1"],
    ["ip", "-n", outside, "link", "set", "wan1", "up"],
  ]) {
    const r = run(c);
    if (r.status !== 0) return `${c.join(" ")}: ${r.stderr}`;
  }
  return false;
})();

let hive: HiveInstance;
let tmp = "";
let key = "";
let ami = "";
let web = "";
let db = "";
let other = "";
const ips: Record<string, string> = {};
let vpcId = "";
let webGroup = "";

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-vpc-"));
  // Up to eight t3.micro guests (2 vCPUs each) at once.
  const ratio = String(16 / Math.max(1, Math.min(4, os.availableParallelism())));
  hive = await startHive(["--network", "vpc", "--public-cidr", PUBLIC_CIDR, "--cpu-overcommit", ratio], { netns: ns });
  // The outside's web server: what "the internet" answers.
  fs.writeFileSync(path.join(tmp, "index.html"), "outside-ok\n");
});
after(async () => {
  // HIVE_E2E_KEEP=1 leaves the namespaces and hive running, to look at what failed.
  if (skip || process.env.HIVE_E2E_KEEP) return;
  await hive?.stop();
  inOutside(["pkill", "-f", `http.server 8080 --bind ${OUTSIDE_IP}`]);
  run(["ip", "netns", "del", ns]);
  run(["ip", "netns", "del", outside]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { ok, until, consoleOf, createKeyFile } = awsDriver(() => hive);
const sshArgs = (user: string) => ["-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=4", "-o", "LogLevel=ERROR", "-l", user];
const ssh = (ip: string, command: string, user = "ec2-user") => inNs(["ssh", ...sshArgs(user), ip, command]);
const ping = (ip: string) => inNs(["ping", "-c", "1", "-W", "1", ip]).status === 0;
/** What a TCP server says first, read with bash's /dev/tcp from a namespace ("" when it cannot be reached). */
const tcpSays = (where: string, ip: string, port: number): string =>
  run(["ip", "netns", "exec", where, "timeout", "4", "bash", "-c", `exec 3<>/dev/tcp/${ip}/${port} && head -c 100 <&3`], 10_000).stdout;
const instance = (id: string) => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0];
const running = async (ids: string[]) => {
  await until(`${ids.join(", ")} to run`, () => ids.every((id) => instance(id).State.Name === "running"));
  for (const id of ids) await until(`${id}'s guest to be ready`, () => consoleOf(id).includes("HIVE-GUEST-SSH-READY"));
};
const launch = (args: string[]): string[] => {
  const res = ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--key-name", "me", ...args]);
  for (const i of res.Instances) ips[i.InstanceId] = i.PrivateIpAddress;
  return res.Instances.map((i: any) => i.InstanceId);
};
const script = (name: string, body: string): string => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
  return `file://${file}`;
};
describe("the EC2 network model on the host", { skip }, () => {
  let defaultVpc = "";
  let defaultGroup = "";
  let pair: string[] = [];

  test("guests with no subnet land in the default VPC's subnet with its default group, and reach each other", async () => {
    const imported = runHive(["image", "import", GUEST, "--name", "vpc-guest", "--data-dir", hive.dataDir], { HOME: hive.home, HIVE_NETNS: ns });
    assert.equal(imported.status, 0, imported.stderr);
    ami = imported.stdout.trim();
    key = path.join(tmp, "me.pem");
    createKeyFile("me", key, "ed25519");
    [defaultVpc] = [ok(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"]).Vpcs[0].VpcId];
    defaultGroup = ok(["ec2", "describe-security-groups", "--filters", `Name=vpc-id,Values=${defaultVpc}`, "Name=group-name,Values=default"]).SecurityGroups[0].GroupId;
    // The default group admits only its members: SSH from the host needs a rule, as on AWS.
    ok(["ec2", "authorize-security-group-ingress", "--group-id", defaultGroup, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"]);
    pair = launch(["--count", "2"]);
    await running(pair);
    const [a, b] = pair as [string, string];
    for (const id of pair) {
      const view = instance(id);
      assert.equal(view.VpcId, defaultVpc);
      assert.deepEqual(view.SecurityGroups.map((g: any) => g.GroupName), ["default"]);
      assert.match(view.PrivateIpAddress, /^172\.31\.(\d|1[0-5])\.\d+$/);
      assert.equal(view.PrivateDnsName, `ip-${view.PrivateIpAddress.replaceAll(".", "-")}.ec2.internal`);
      const r = ssh(ips[id]!, "hostname; ip -4 -o addr show eth0; ip route show default");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^ip-${ips[id]!.replaceAll(".", "-")}`));
      assert.match(r.stdout, new RegExp(`inet ${ips[id]!.replaceAll(".", "\\.")}/20`));
      assert.match(r.stdout, /default via 172\.31\.0\.1/);
    }
    assert.match(ssh(ips[a]!, `nc -w 2 ${ips[b]} 22 </dev/null`).stdout, /^SSH-/, "members of the default group reach each other");
  });

  test("AmazonProvidedDNS answers the guests' private names, forward and reverse", () => {
    const [a, b] = pair as [string, string];
    const name = instance(b).PrivateDnsName;
    const r = ssh(ips[a]!, `cat /etc/resolv.conf; nslookup ${name}; nslookup ${ips[b]}; nslookup ${name.split(".")[0]}`);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /nameserver 172\.31\.0\.2/);
    assert.match(r.stdout, new RegExp(`Address:? +${ips[b]!.replaceAll(".", "\\.")}`));
    assert.match(r.stdout, new RegExp(name.replaceAll(".", "\\.")));
  });

  test("the metadata service, reached through the VPC router, knows each guest and keeps tokens with it", () => {
    const [a, b] = pair as [string, string];
    const token = (id: string) => ssh(ips[id]!, `${imdsExchange("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 60"])} | tail -n 1`).stdout.trim();
    const ta = token(a);
    const tb = token(b);
    assert.match(ta, /^[A-Za-z0-9_-]{20,}$/);
    assert.ok(ssh(ips[a]!, imdsExchange("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${ta}`])).stdout.trim().endsWith(a));
    const mac = instance(b).NetworkInterfaces[0].MacAddress;
    const vpcOf = ssh(ips[b]!, imdsExchange("GET", `/latest/meta-data/network/interfaces/macs/${mac}/vpc-id`, [`X-aws-ec2-metadata-token: ${tb}`])).stdout;
    assert.ok(vpcOf.trim().endsWith(defaultVpc), vpcOf);
    assert.match(ssh(ips[a]!, imdsExchange("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${tb}`])).stdout, /^HTTP\/1\.[01] 401/);
  });

  test("security groups: SSH allowed by a rule, ICMP dropped until authorized, a revoke cuts new connections", async () => {
    vpcId = ok(["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]).Vpc.VpcId;
    const subnet = ok(["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.0.1.0/24"]).Subnet.SubnetId;
    webGroup = ok(["ec2", "create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", vpcId]).GroupId;
    const dbGroup = ok(["ec2", "create-security-group", "--group-name", "db", "--description", "db", "--vpc-id", vpcId]).GroupId;
    ok(["ec2", "authorize-security-group-ingress", "--group-id", webGroup, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"]);
    ok(["ec2", "authorize-security-group-ingress", "--group-id", dbGroup, "--protocol", "tcp", "--port", "5432", "--source-group", webGroup]);
    [web] = launch(["--subnet-id", subnet, "--security-group-ids", webGroup]);
    [db] = launch(["--subnet-id", subnet, "--security-group-ids", dbGroup, "--user-data", script("db.sh", "while true; do echo db-ok | nc -l -p 5432; done &")]);
    await running([web!, db!]);
    assert.equal(instance(web!).VpcId, vpcId);
    assert.equal(ssh(ips[web!]!, "true").status, 0, "SSH is allowed by the web group's rule");
    assert.equal(ping(ips[web!]!), false, "ICMP is dropped without a rule");
    ok(["ec2", "authorize-security-group-ingress", "--group-id", webGroup, "--ip-permissions", "IpProtocol=icmp,FromPort=-1,ToPort=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"]);
    await until("ping to pass once ICMP is authorized", () => ping(ips[web!]!), 5_000);

    const fromWeb = ssh(ips[web!]!, `nc -w 3 ${ips[db!]} 5432 </dev/null`);
    assert.match(fromWeb.stdout, /db-ok/, "web reaches db on 5432 through the group-referencing rule");
    assert.equal(tcpSays(ns, ips[db!]!, 5432), "", "a non-member is refused");

    ok(["ec2", "revoke-security-group-ingress", "--group-id", webGroup, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"]);
    await until("SSH to be cut off after the revoke", () => ssh(ips[web!]!, "true").status !== 0, 5_000);
    ok(["ec2", "authorize-security-group-ingress", "--group-id", webGroup, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"]);
    await until("SSH to come back", () => ssh(ips[web!]!, "true").status === 0, 5_000);
  });

  test("a subnet reaches the outside only once its route table sends 0.0.0.0/0 to an attached internet gateway", async () => {
    assert.equal(inOutside(["sh", "-c", `cd ${tmp} && (python3 -m http.server 8080 --bind ${OUTSIDE_IP} >/dev/null 2>&1 &)`]).status, 0);
    // busybox's static wget crashes in the test guest; one HTTP/1.0 exchange through nc does the same.
    const fetch = () => ssh(ips[web!]!, `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${OUTSIDE_IP} 8080`).stdout;
    await until("the outside's web server", () => inNs(["sh", "-c", `wget -q -T 2 -O - http://${OUTSIDE_IP}:8080/index.html`]).stdout.includes("outside-ok"), 10_000);
    assert.doesNotMatch(fetch(), /outside-ok/, "no internet gateway: no way out");
    const igw = ok(["ec2", "create-internet-gateway"]).InternetGateway.InternetGatewayId;
    ok(["ec2", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId]);
    const rtb = ok(["ec2", "describe-route-tables", "--filters", `Name=vpc-id,Values=${vpcId}`, "Name=association.main,Values=true"]).RouteTables[0].RouteTableId;
    ok(["ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw]);
    await until("the guest to reach the outside through the gateway", () => fetch().includes("outside-ok"), 10_000);
  });

  test("an Elastic IP reaches the instance from outside", async () => {
    const alloc = ok(["ec2", "allocate-address", "--domain", "vpc"]);
    assert.ok(alloc.PublicIp.startsWith("198.51.100."), alloc.PublicIp);
    ok(["ec2", "associate-address", "--allocation-id", alloc.AllocationId, "--instance-id", web!]);
    assert.equal(instance(web!).PublicIpAddress, alloc.PublicIp);
    await until("SSH's banner from outside at the Elastic IP", () => tcpSays(outside, alloc.PublicIp, 22).startsWith("SSH-"), 10_000);
  });

  test("two VPCs with the same CIDR coexist: the second's guest has the same address, its own metadata, and no way into the first", async () => {
    const second = ok(["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]).Vpc.VpcId;
    const subnet = ok(["ec2", "create-subnet", "--vpc-id", second, "--cidr-block", "10.0.1.0/24"]).Subnet.SubnetId;
    const probe = [
      `t=$(printf 'PUT /latest/api/token HTTP/1.0\\r\\nX-aws-ec2-metadata-token-ttl-seconds: 60\\r\\n\\r\\n' | nc 169.254.169.254 80 | tail -n 1)`,
      `echo "iid=$(printf "GET /latest/meta-data/instance-id HTTP/1.0\\r\\nX-aws-ec2-metadata-token: $t\\r\\n\\r\\n" | nc 169.254.169.254 80 | tail -n 1)"`,
      `if nc -w 3 ${ips[db!]} 5432 </dev/null | grep -q db-ok; then echo reach=yes; else echo reach=no; fi`,
    ].join("\n");
    [other] = launch(["--subnet-id", subnet, "--private-ip-address", ips[web!]!, "--user-data", script("probe.sh", probe)]);
    await until(`${other}'s probe`, () => consoleOf(other).includes("HIVE-GUEST-USERDATA-DONE"), 120_000);
    const out = consoleOf(other);
    assert.match(out, new RegExp(`iid=${other}`), out);
    assert.match(out, /reach=no/, out);
    assert.equal(instance(other).PrivateIpAddress, ips[web!]);
  });

  test("after kill -9 of hive, guests keep their traffic and their rules; a new hive takes over", async () => {
    await hive.kill9();
    assert.equal(ssh(ips[web!]!, "true").status, 0, "the guest lost its network when hive died");
    assert.match(ssh(ips[web!]!, `nc -w 3 ${ips[db!]} 5432 </dev/null`).stdout, /db-ok/);
    assert.equal(tcpSays(ns, ips[db!]!, 5432), "", "the rules went with hive");
    await hive.restart();
    assert.equal(ssh(ips[web!]!, "true").status, 0);
    const t = ssh(ips[web!]!, `${imdsExchange("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 60"])} | tail -n 1`).stdout.trim();
    assert.ok(ssh(ips[web!]!, imdsExchange("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${t}`])).stdout.trim().endsWith(web!));
  });

  test("a stock cloud image takes its address, gateway and resolver from the seed and resolves its own name", async () => {
    assert.ok(fs.existsSync(CLOUD_IMAGE), `${CLOUD_IMAGE} is missing: run scripts/setup.sh --test`);
    const imported = runHive(["image", "import", CLOUD_IMAGE, "--name", "debian-cloud", "--data-dir", hive.dataDir], { HOME: hive.home, HIVE_NETNS: ns });
    assert.equal(imported.status, 0, imported.stderr);
    const res = ok(["ec2", "run-instances", "--image-id", imported.stdout.trim(), "--instance-type", "t3.micro", "--key-name", "me"]);
    const id = res.Instances[0].InstanceId;
    const ip = res.Instances[0].PrivateIpAddress;
    await until("SSH to the cloud image at its private address", () => ssh(ip, "true", "debian").status === 0, 600_000);
    const r = ssh(ip, `ip -4 -o addr show scope global; ip route show default; sudo true; getent hosts ${ips[pair[0]!]}; getent hosts $(hostname)`, "debian");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inet ${ip.replaceAll(".", "\\.")}/20`));
    assert.match(r.stdout, /default via 172\.31\.0\.1/);
    assert.doesNotMatch(r.stderr, /unable to resolve host/);
    assert.match(r.stdout, new RegExp(`${ips[pair[0]!]!.replaceAll(".", "\\.")}\\s+ip-`));
    ok(["ec2", "terminate-instances", "--instance-ids", id]);
  });

  test("hive stopping with no guests left removes every VPC namespace and its tables", async () => {
    const all = Object.keys(ips);
    ok(["ec2", "terminate-instances", "--instance-ids", ...all]);
    await until("all terminated", () =>
      ok(["ec2", "describe-instances"]).Reservations.flatMap((r: any) => r.Instances).every((i: any) => i.State.Name === "terminated"),
    );
    const scope = scopeOf(hive.dataDir);
    hive.proc.kill("SIGTERM");
    await new Promise((r) => hive.proc.once("exit", r));
    assert.deepEqual(fs.readdirSync("/run/netns").filter((n) => n.startsWith(scope)), []);
    assert.doesNotMatch(inNs(["nft", "list", "tables"]).stdout, new RegExp(scope));
  });
});
