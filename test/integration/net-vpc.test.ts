// The VPC data plane for real, confined to network namespaces this test creates: "hive" runs src/net in one (its VPC
// namespaces are named for a scope of the test's own), each "guest" is a namespace whose veth end is moved into its VPC's
// namespace under the port's name (where QEMU's tap would be), and "outside" stands for the network beyond the host.
// Needs root (ip netns, nft); skips otherwise. Nothing is created in the namespace the test runs in.

import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import readline from "node:readline";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { netnsExecPrefix, policyTable, transitAddresses, transitPrefix, vpcNamespace, type GroupPlan, type PortPlan, type RulePlan, type VpcPlan } from "../../src/net/index.ts";

const exec = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const tag = randomBytes(3).toString("hex");
const SCOPE = `hvt${tag}`;
const ns = (role: string) => `hive-t-${tag}-${role}`;
const HIVE = ns("h");
const OUTSIDE = ns("o");
const PUBLIC_CIDR = "10.200.0.128/25";
const EIP = "10.200.0.130";

function whyNotRunnable(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns, nft)";
  for (const [cmd, pkg] of [["ip", "iproute2"], ["nft", "nftables"], ["nsenter", "util-linux"]]) {
    try {
      execFileSync(cmd, ["-V"], { stdio: "ignore" });
    } catch {
      return `${cmd} is missing (apt-get install ${pkg})`;
    }
  }
  const probe = ns("probe");
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  } catch (err) {
    return `ip netns is not permitted here: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)}`;
  }
  return false;
}
const skip = whyNotRunnable();
if (skip) console.error(`net-vpc: skipped: ${skip}`);
const hasPing = (() => {
  try {
    execFileSync("ping", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const inNs = async (where: string, cmd: string, ...args: string[]): Promise<string> => (await exec("ip", ["netns", "exec", where, cmd, ...args])).stdout;
const ip = (where: string, ...args: string[]) => inNs(where, "ip", ...args);

/**
 * A driver process (test/integration/net-driver.ts) in a namespace. Entered with nsenter --net only (not `ip netns
 * exec`, which gives the process a mount namespace of its own), so the VPC namespaces hive creates are visible to all.
 */
class Driver {
  private next = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; value?: unknown; error?: { message: string; kind?: string } }) => void>();
  readonly child: ChildProcess;

  constructor(where: string) {
    this.child = spawn("nsenter", [`--net=/run/netns/${where}`, "--", process.execPath, "--import", "tsx", "test/integration/net-driver.ts"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const reply = JSON.parse(line) as { id: number; ok: boolean };
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  private send(req: Record<string, unknown>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r.value) : reject(Object.assign(new Error(r.error!.message), { kind: r.error!.kind }))));
      this.child.stdin!.write(JSON.stringify({ id, ...req }) + "\n");
    });
  }

  call = (fn: string, ...args: unknown[]) => this.send({ op: "call", fn, args });
  listen = (host: string, port: number, keep = false) => this.send({ op: "listen", host, port, keep });
  seen = async (host: string, port: number) => (await this.send({ op: "seen", host, port })) as string[];
  /** Whether a TCP connection gets the server's greeting; refused cases are drops, so they wait `timeoutMs`. */
  reaches = async (host: string, port: number, timeoutMs = 3000, localAddress?: string) => ((await this.send({ op: "connect", host, port, timeoutMs, localAddress })) as string).includes("hello");
  hold = async (name: string, host: string, port: number) => ((await this.send({ op: "hold", name, host, port })) as string).includes("hello");
  probe = async (name: string, timeoutMs = 2000, text?: string) => ((await this.send({ op: "probe", name, timeoutMs, text })) as string).includes("reply");
  close = () => this.child.stdin!.end();
  kill = async () => {
    this.child.kill("SIGKILL");
    if (this.child.exitCode === null) await new Promise((r) => this.child.once("exit", r));
  };
}

const BLOCKED_MS = 800;
const ALL: RulePlan = { protocol: "all", cidrs: ["0.0.0.0/0"], groupIds: [] };
const tcp = (port: number, from: Partial<Pick<RulePlan, "cidrs" | "groupIds">>): RulePlan => ({ protocol: "tcp", fromPort: port, toPort: port, cidrs: from.cidrs ?? [], groupIds: from.groupIds ?? [] });
const group = (id: string, ingress: RulePlan[]): GroupPlan => ({ id, ingress, egress: [ALL] });
const port = (name: string, subnetId: string, ip: string, groupIds: string[], extra: Partial<PortPlan> = {}): PortPlan => ({
  name,
  subnetId,
  ip,
  groupIds,
  mac: `52:54:00:${createHash("sha256").update(name).digest("hex").slice(0, 6).match(/../g)!.join(":")}`,
  hopLimit: 1,
  sourceDestCheck: true,
  ...extra,
});

/** VPC A: a public and a private subnet, web (ssh from anywhere, an Elastic IP), db (5432 from web only), other, and two default-group members. */
function planA(opts: { ssh?: boolean; icmp?: boolean; extraSubnet?: boolean; withOther?: boolean } = {}): VpcPlan {
  const { ssh = true, icmp = false, extraSubnet = false, withOther = true } = opts;
  return {
    vpcId: "vpc-a",
    index: 1,
    namespace: vpcNamespace(SCOPE, 1),
    cidrs: ["10.0.0.0/16"],
    dnsIp: "10.0.0.2",
    hostRoute: true,
    subnets: [
      { id: "subnet-pub", cidr: "10.0.1.0/24", gateway: "10.0.1.1", internet: true },
      { id: "subnet-priv", cidr: "10.0.2.0/24", gateway: "10.0.2.1", internet: false },
      ...(extraSubnet ? [{ id: "subnet-x", cidr: "10.0.3.0/24", gateway: "10.0.3.1", internet: false }] : []),
    ],
    ports: [
      port("pa-web", "subnet-pub", "10.0.1.4", ["sg-web"], { publicIp: EIP }),
      port("pa-db", "subnet-priv", "10.0.2.4", ["sg-db"]),
      ...(withOther ? [port("pa-other", "subnet-priv", "10.0.2.5", ["sg-other"])] : []),
      port("pa-d1", "subnet-priv", "10.0.2.6", ["sg-default"]),
      port("pa-d2", "subnet-priv", "10.0.2.7", ["sg-default"]),
    ],
    groups: [
      group("sg-web", [...(ssh ? [tcp(22, { cidrs: ["0.0.0.0/0"] })] : []), ...(icmp ? [{ protocol: "icmp" as const, fromPort: -1, toPort: -1, cidrs: ["10.0.0.0/16"], groupIds: [] }] : [])]),
      group("sg-db", [tcp(5432, { groupIds: ["sg-web"] })]),
      group("sg-other", []),
      group("sg-default", [{ protocol: "all", cidrs: [], groupIds: ["sg-default"] }]),
    ],
  };
}

/** VPC B: the same CIDR and the same guest address as web. */
function planB(): VpcPlan {
  return {
    vpcId: "vpc-b",
    index: 2,
    namespace: vpcNamespace(SCOPE, 2),
    cidrs: ["10.0.0.0/16"],
    dnsIp: "10.0.0.2",
    hostRoute: false,
    subnets: [{ id: "subnet-b", cidr: "10.0.1.0/24", gateway: "10.0.1.1", internet: false }],
    ports: [port("pb-b1", "subnet-b", "10.0.1.4", ["sg-b"]), port("pb-b2", "subnet-b", "10.0.1.5", ["sg-b"])],
    groups: [group("sg-b", [tcp(22, { cidrs: ["0.0.0.0/0"] })])],
  };
}

/** A guest: a namespace whose eth0 (its MAC, addr/24, gateway .1) is paired with the port in its VPC's namespace. */
async function addGuest(p: PortPlan, vpcNs: string): Promise<string> {
  const g = ns(p.name);
  await exec("ip", ["netns", "add", g]);
  await ip(g, "link", "set", "lo", "up");
  await ip(g, "link", "add", "eth0", "type", "veth", "peer", "name", p.name, "netns", vpcNs);
  await ip(g, "link", "set", "eth0", "address", p.mac);
  await ip(g, "addr", "add", `${p.ip}/24`, "dev", "eth0");
  await ip(g, "link", "set", "eth0", "up");
  await ip(g, "route", "add", "default", "via", p.ip.replace(/\.\d+$/, ".1"));
  return g;
}

describe("the VPC data plane (in network namespaces)", { skip }, () => {
  let hive: Driver;
  let outside: Driver;
  const guests = new Map<string, Driver>();
  const created: string[] = [HIVE, OUTSIDE];
  const guest = (name: string) => guests.get(name)!;

  before(async () => {
    for (const n of [HIVE, OUTSIDE]) {
      await exec("ip", ["netns", "add", n]);
      await ip(n, "link", "set", "lo", "up");
    }
    // hive's link to the outside network, which also holds the Elastic IPs' range.
    await ip(HIVE, "link", "add", "up0", "type", "veth", "peer", "name", "o0", "netns", OUTSIDE);
    await ip(HIVE, "addr", "add", "10.200.0.1/24", "dev", "up0");
    await ip(OUTSIDE, "addr", "add", "10.200.0.2/24", "dev", "o0");
    await ip(HIVE, "link", "set", "up0", "up");
    // Strict reverse-path filtering, as some hosts have: the metadata replies' policy routing must still pass it.
    await inNs(HIVE, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1");
    await ip(OUTSIDE, "link", "set", "o0", "up");
    hive = new Driver(HIVE);
    outside = new Driver(OUTSIDE);
  });

  after(async () => {
    hive?.close();
    outside?.close();
    for (const d of guests.values()) d.close();
    // Whatever a failed test left: the VPC namespaces first (their transit links go with them), then ours.
    for (const i of [1, 2]) await exec("ip", ["netns", "del", vpcNamespace(SCOPE, i)]).catch(() => {});
    for (const n of created) await exec("ip", ["netns", "del", n]).catch(() => {});
  });

  test("setupVpcHost and applyVpc build two VPCs with the same CIDR; guests plug in", async () => {
    await hive.call("setupVpcHost", { scope: SCOPE, publicCidr: PUBLIC_CIDR });
    await hive.call("applyVpc", planA(), {});
    await hive.call("applyVpc", planB(), {});
    for (const [plan, vpc] of [[planA(), vpcNamespace(SCOPE, 1)], [planB(), vpcNamespace(SCOPE, 2)]] as const) {
      for (const p of plan.ports) {
        created.push(await addGuest(p, vpc));
        await hive.call("createPort", plan, p.name);
        const d = new Driver(ns(p.name));
        guests.set(p.name, d);
        await d.listen(p.ip, 22, true);
        await d.listen(p.ip, 5432);
        await d.listen(p.ip, 7000);
      }
    }
    const transitA = transitAddresses(1);
    assert.deepEqual(
      (await hive.call("listVpcNamespaces", SCOPE)) as unknown,
      [{ namespace: vpcNamespace(SCOPE, 1), index: 1 }, { namespace: vpcNamespace(SCOPE, 2), index: 2 }],
    );
    const [uplink] = JSON.parse(await ip(vpcNamespace(SCOPE, 1), "-j", "-4", "addr", "show", "dev", "uplink")) as { addr_info: { local: string }[] }[];
    assert.equal(uplink!.addr_info[0]!.local, transitA.ns);
  });

  test("two VPCs with the same CIDR are isolated and each works", async () => {
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22), true, "A: other reaches web's ssh");
    assert.equal(await guest("pb-b2").reaches("10.0.1.4", 22), true, "B: b2 reaches b1 at the same address");
    assert.deepEqual(await guest("pa-web").seen("10.0.1.4", 22), ["10.0.2.5"]);
    assert.deepEqual(await guest("pb-b1").seen("10.0.1.4", 22), ["10.0.1.5"]);
    assert.equal(await guest("pb-b2").reaches("10.0.2.5", 22, BLOCKED_MS), false, "B does not see A's 10.0.2.5");
    assert.equal(await guest("pb-b1").reaches(transitAddresses(1).ns, 22, BLOCKED_MS), false, "nor A's router");
  });

  test("a rule allows ssh; a group-referencing rule lets web (and only web) reach db on 5432", async () => {
    assert.equal(await guest("pa-db").reaches("10.0.1.4", 22), true);
    assert.equal(await guest("pa-web").reaches("10.0.2.4", 5432), true, "web -> db:5432");
    assert.equal(await guest("pa-other").reaches("10.0.2.4", 5432, BLOCKED_MS), false, "a non-member is refused");
    assert.equal(await guest("pa-web").reaches("10.0.2.4", 7000, BLOCKED_MS), false, "and web only on 5432");
    assert.equal(await guest("pa-web").reaches("10.0.2.5", 22, BLOCKED_MS), false, "a group without rules lets nothing in");
  });

  test("members of the default group reach each other; others do not reach them", async () => {
    assert.equal(await guest("pa-d1").reaches("10.0.2.7", 7000), true);
    assert.equal(await guest("pa-d2").reaches("10.0.2.6", 5432), true);
    assert.equal(await guest("pa-other").reaches("10.0.2.7", 7000, BLOCKED_MS), false);
  });

  test("ICMP is dropped until a rule allows it", { skip: hasPing ? false : "no ping (apt-get install iputils-ping)" }, async () => {
    const ping = () => inNs(ns("pa-other"), "ping", "-c", "1", "-W", "1", "10.0.1.4").then(() => true, () => false);
    assert.equal(await ping(), false);
    await hive.call("applyVpc", planA({ icmp: true }), {});
    assert.equal(await ping(), true);
    await hive.call("applyVpc", planA(), {});
    assert.equal(await ping(), false);
  });

  test("a revoke refuses new connections as soon as applyVpc returns; the established one is tracked on", async () => {
    assert.equal(await guest("pa-other").hold("ssh", "10.0.1.4", 22), true);
    const t0 = performance.now();
    await hive.call("applyVpc", planA({ ssh: false }), {});
    const applyMs = performance.now() - t0;
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22, BLOCKED_MS), false, "a new connection is dropped");
    assert.equal(await guest("pa-db").reaches("10.0.1.4", 22, BLOCKED_MS), false);
    // Enforced by the time applyVpc returns; how long that takes is the benchmark's (bench/vpc-dataplane.bench.ts).
    console.error(`net-vpc: revoke applied in ${applyMs.toFixed(0)} ms`);
    // As on EC2: a tracked connection outlives the rule that let it in.
    assert.equal(await guest("pa-other").probe("ssh"), true);
    await hive.call("applyVpc", planA(), {});
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22), true, "authorized again");
  });

  test("only a subnet routed to the internet gateway reaches the outside, masqueraded", async () => {
    await outside.listen("10.200.0.2", 9000);
    assert.equal(await guest("pa-web").reaches("10.200.0.2", 9000), true, "the public subnet");
    assert.equal(await guest("pa-db").reaches("10.200.0.2", 9000, BLOCKED_MS), false, "the private subnet");
    assert.equal(await guest("pb-b1").reaches("10.200.0.2", 9000, BLOCKED_MS), false, "VPC B has no internet gateway");
    // web has an Elastic IP: its connections leave as that address.
    assert.deepEqual(await outside.seen("10.200.0.2", 9000), [EIP]);
  });

  test("the Elastic IP reaches the guest from outside, under the caller's own address", async () => {
    assert.equal(await outside.reaches(EIP, 22), true);
    assert.ok((await guest("pa-web").seen("10.0.1.4", 22)).includes("10.200.0.2"));
    assert.equal(await outside.reaches(EIP, 7000, BLOCKED_MS), false, "only what the groups allow");
    assert.equal(await outside.reaches("10.0.2.4", 5432, BLOCKED_MS), false, "no way in to private addresses");
  });

  test("the metadata address reaches the server on each VPC's host-side transit address, seeing the guest's own address", async () => {
    await hive.listen(transitAddresses(1).host, 80);
    await hive.listen(transitAddresses(2).host, 80);
    assert.equal(await guest("pa-web").reaches("169.254.169.254", 80), true);
    assert.equal(await guest("pb-b1").reaches("169.254.169.254", 80), true, "the same guest address in another VPC");
    assert.equal(await guest("pa-db").reaches("169.254.169.254", 80), true, "also from a private subnet");
    assert.deepEqual(await hive.seen(transitAddresses(1).host, 80), ["10.0.1.4", "10.0.2.4"]);
    assert.deepEqual(await hive.seen(transitAddresses(2).host, 80), ["10.0.1.4"]);
  });

  test("a metadata token response reaches the guest with the port's hop limit as its TTL; other packets do not", async () => {
    const g = ns("pa-web");
    const count = "ip saddr 169.254.169.254 tcp sport 80 counter";
    await inNs(g, "nft", `add table ip ttlcheck; add chain ip ttlcheck in { type filter hook input priority 0; }; add rule ip ttlcheck in ip ttl 1 ${count}; add rule ip ttlcheck in ip ttl 3 ${count}; add rule ip ttlcheck in ip ttl 63 ${count}`);
    const packets = async (): Promise<number[]> =>
      (JSON.parse(await inNs(g, "nft", "-j", "list", "chain", "ip", "ttlcheck", "in")) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] }).nftables
        .flatMap((o) => (o.rule ? [o.rule.expr.find((e) => e.counter)!.counter!.packets] : []));
    const token = async () => {
      assert.equal(await guest("pa-web").hold("imds", "169.254.169.254", 80), true);
      assert.equal(await guest("pa-web").probe("imds", 3000, "PUT /latest/api/token HTTP/1.1\r\n\r\n"), true);
    };
    await token();
    const [ttl1, ttl3, ttl63] = await packets();
    assert.ok(ttl1! > 0, "the answer to PUT arrives with TTL 1 (EC2's default hop limit)");
    assert.equal(ttl3, 0);
    assert.ok(ttl63! > 0, "the greeting before the PUT keeps the host's TTL less one hop");
    await hive.call("applyVpc", { ...planA(), ports: planA().ports.map((p) => (p.name === "pa-web" ? { ...p, hopLimit: 3 } : p)) }, {});
    await token();
    const after = await packets();
    assert.equal(after[0], ttl1, "no more TTL 1");
    assert.ok(after[1]! > 0, "hop limit 3");
    await hive.call("applyVpc", planA(), {});
  });

  test("a guest's packets from another address or MAC go nowhere", async () => {
    const g = ns("pa-other");
    await ip(g, "addr", "add", "10.0.2.99/32", "dev", "eth0");
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22, BLOCKED_MS, "10.0.2.99"), false, "a spoofed source address");
    await ip(g, "addr", "del", "10.0.2.99/32", "dev", "eth0");
    assert.ok(!(await guest("pa-web").seen("10.0.1.4", 22)).includes("10.0.2.99"));
    const [link] = JSON.parse(await ip(g, "-j", "link", "show", "dev", "eth0")) as { address: string }[];
    await ip(g, "link", "set", "eth0", "address", "52:54:00:de:ad:01");
    await ip(g, "neigh", "flush", "dev", "eth0");
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22, BLOCKED_MS), false, "a foreign MAC");
    await ip(g, "link", "set", "eth0", "address", link!.address);
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22), true, "its own again");
  });

  test("the host reaches VPC A (its route) under its transit address, as the groups allow", async () => {
    assert.equal(await hive.reaches("10.0.1.4", 22), true);
    assert.equal(await hive.reaches("10.0.2.5", 22, BLOCKED_MS), false);
  });

  test("applyVpc is idempotent and removes what the plan no longer has", async () => {
    const vpc = vpcNamespace(SCOPE, 1);
    const state = async () => [await inNs(vpc, "nft", "list", "ruleset"), await ip(vpc, "-4", "addr"), await ip(vpc, "-4", "route"), await ip(HIVE, "-4", "route"), await ip(HIVE, "rule")].join("\n");
    await hive.call("applyVpc", planA(), {});
    const once = await state();
    await hive.call("applyVpc", planA(), {});
    assert.equal(await state(), once);

    await hive.call("applyVpc", planA({ extraSubnet: true }), {});
    assert.match(await ip(vpc, "-4", "addr", "show", "dev", "lo"), /10\.0\.3\.1\/32/);
    await hive.call("applyVpc", planA({ withOther: false }), {});
    assert.doesNotMatch(await ip(vpc, "-4", "addr", "show", "dev", "lo"), /10\.0\.3\.1/, "the gone subnet's gateway");
    assert.doesNotMatch(await ip(vpc, "-4", "route"), /10\.0\.2\.5 /, "the gone port's route");
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22, BLOCKED_MS), false, "a port out of the plan passes nothing");
    await hive.call("applyVpc", planA(), {});
    assert.equal(await state(), once);
  });

  test("killing the process that applied the rules leaves traffic and rules working", async () => {
    await hive.kill();
    assert.equal(await guest("pa-other").reaches("10.0.1.4", 22), true);
    assert.equal(await guest("pa-web").reaches("10.0.2.4", 5432), true);
    assert.equal(await guest("pa-other").reaches("10.0.2.4", 5432, BLOCKED_MS), false);
    assert.equal(await guest("pa-web").reaches("10.200.0.2", 9000), true);
    assert.equal(await outside.reaches(EIP, 22), true);
    hive = new Driver(HIVE);
    await hive.call("setupVpcHost", { scope: SCOPE, publicCidr: PUBLIC_CIDR });
    assert.equal(await outside.reaches(EIP, 22), true, "a restart's setupVpcHost keeps the Elastic IPs");
  });

  test("QEMU started through netnsExecPrefix opens the port's tap by name inside the VPC namespace", { skip: existsSync("/usr/bin/qemu-system-x86_64") ? false : "no qemu-system-x86_64" }, async () => {
    const vpc = vpcNamespace(SCOPE, 1);
    const withVm: VpcPlan = { ...planA(), ports: [...planA().ports, port("hvt-vm1", "subnet-pub", "10.0.1.9", ["sg-web"])] };
    await hive.call("applyVpc", withVm, {});
    await hive.call("createPort", withVm, "hvt-vm1");
    await hive.call("createPort", withVm, "hvt-vm1");
    const [tap] = JSON.parse(await ip(vpc, "-j", "-d", "link", "show", "dev", "hvt-vm1")) as { flags: string[]; linkinfo: { info_data: { type: string } } }[];
    assert.equal(tap!.linkinfo.info_data.type, "tap");
    assert.match(await ip(vpc, "-4", "route", "show", "10.0.1.9"), /dev hvt-vm1/);
    const qemu = spawn(netnsExecPrefix(vpc)[0]!, [...netnsExecPrefix(vpc).slice(1), "qemu-system-x86_64", "-nodefaults", "-display", "none", "-machine", "q35", "-accel", "tcg",
      "-netdev", "tap,id=net0,ifname=hvt-vm1,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:09"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    qemu.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    try {
      let carrier = false;
      for (const until = Date.now() + 10_000; !carrier && Date.now() < until && qemu.exitCode === null; ) {
        const [l] = JSON.parse(await ip(vpc, "-j", "link", "show", "dev", "hvt-vm1")) as { flags: string[] }[];
        carrier = l!.flags.includes("LOWER_UP");
        if (!carrier) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(carrier, `the tap has a carrier once QEMU holds it (qemu: ${stderr.trim() || "running"})`);
    } finally {
      qemu.kill("SIGKILL");
      await new Promise((r) => qemu.once("exit", r));
    }
    await hive.call("deletePort", vpc, "hvt-vm1");
    await hive.call("deletePort", vpc, "hvt-vm1");
    assert.doesNotMatch(await ip(vpc, "link"), /hvt-vm1/);
    await hive.call("applyVpc", planA(), {});
  });

  test("teardownVpcHost leaves nothing of the scope", async () => {
    await hive.call("teardownVpcHost", SCOPE);
    assert.deepEqual(await hive.call("listVpcNamespaces", SCOPE), []);
    const links = (JSON.parse(await ip(HIVE, "-j", "link", "show")) as { ifname: string }[]).map((l) => l.ifname);
    assert.deepEqual(links.filter((l) => l.startsWith(transitPrefix(SCOPE))), []);
    assert.doesNotMatch(await inNs(HIVE, "nft", "list", "tables"), new RegExp(SCOPE));
    const rules = await ip(HIVE, "rule");
    for (const i of [1, 2]) assert.doesNotMatch(rules, new RegExp(`lookup ${policyTable(i)}`));
    assert.equal((await ip(HIVE, "neigh", "show", "proxy")).trim(), "");
    assert.doesNotMatch(await ip(HIVE, "-4", "route"), /10\.0\.0\.0\/16|10\.200\.0\.130/);
    await hive.call("teardownVpcHost", SCOPE);
  });
});
