// Bridge networking for real, confined to network namespaces this test creates: "hive" runs src/net in one, a "guest"
// namespace plugs a veth into the bridge where a tap would be, an "outside" namespace checks the masquerade.
// Needs root (ip netns, nft); skips otherwise. Nothing is created in the namespace the test runs in.

import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import readline from "node:readline";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { tapNameFor } from "../../src/net/index.ts";

const exec = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const tag = randomBytes(3).toString("hex");
const NS = { hive: `hive-t-${tag}-h`, guest: `hive-t-${tag}-g`, outside: `hive-t-${tag}-o`, container: `hive-t-${tag}-c` };
const BRIDGE = "hivebr0";
const CIDR = "10.73.0.0/24";
const PORT = "hvt-t0000001"; // the guest's port on the bridge (a veth standing in for its tap)
const GUEST = { mac: "52:54:00:12:34:56", ip: "10.73.0.2" };

function whyNotRunnable(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns, nft)";
  for (const [cmd, pkg] of [["ip", "iproute2"], ["nft", "nftables"]]) {
    try {
      execFileSync(cmd, ["-V"], { stdio: "ignore" });
    } catch {
      return `${cmd} is missing (apt-get install ${pkg})`;
    }
  }
  const probe = `hive-t-${tag}-probe`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  } catch (err) {
    return `ip netns is not permitted here: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)}`;
  }
  return false;
}
const skip = whyNotRunnable();
if (skip) console.error(`net-bridge: skipped: ${skip}`);

/** `ip -n <ns> …` and friends inside a namespace. */
const inNs = async (ns: string, cmd: string, ...args: string[]): Promise<string> => (await exec("ip", ["netns", "exec", ns, cmd, ...args])).stdout;
const ip = (ns: string, ...args: string[]) => inNs(ns, "ip", ...args);
const ipJson = async <T>(ns: string, ...args: string[]): Promise<T[]> => {
  const out = (await ip(ns, "-j", ...args)).trim();
  return out ? (JSON.parse(out) as T[]) : [];
};
const hiveTables = async (ns: string): Promise<string[]> =>
  (JSON.parse(await inNs(ns, "nft", "-j", "list", "tables")) as { nftables: { table?: { family: string; name: string } }[] }).nftables
    .flatMap((o) => (o.table?.name === "hive" ? [o.table.family] : []))
    .sort();
const links = async (ns: string): Promise<string[]> => (await ipJson<{ ifname: string }>(ns, "link", "show")).map((l) => l.ifname);

/** A veth pair from one namespace to another, each end addressed and up. */
async function vethPair(a: { ns: string; dev: string; addr: string }, b: { ns: string; dev: string; addr: string }): Promise<void> {
  await ip(a.ns, "link", "add", a.dev, "type", "veth", "peer", "name", b.dev);
  await ip(a.ns, "link", "set", b.dev, "netns", b.ns);
  for (const end of [a, b]) {
    await ip(end.ns, "addr", "add", end.addr, "dev", end.dev);
    await ip(end.ns, "link", "set", end.dev, "up");
  }
}

/** The stand-in for hive: a long-lived child in the hive namespace running src/net calls and TCP listeners. */
class Driver {
  private next = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; value?: unknown; error?: { message: string; kind?: string } }) => void>();
  readonly child: ChildProcess;

  constructor(ns: string) {
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", "test/integration/net-driver.ts"], {
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
  listen = (host: string, port: number) => this.send({ op: "listen", host, port });
  seen = async (host: string, port: number) => (await this.send({ op: "seen", host, port })) as string[];
  close = () => this.child.stdin!.end();
}

/** A TCP connection from the guest namespace: true when it completed and the server's greeting came back. */
async function connectFromGuest(host: string, port: number, localAddress?: string, timeoutMs = 1500): Promise<boolean> {
  const script = `
    const s = require("node:net").connect({ host: ${JSON.stringify(host)}, port: ${port}, localAddress: ${JSON.stringify(localAddress)} });
    s.setTimeout(${timeoutMs}, () => process.exit(1));
    s.on("data", () => process.exit(0));
    s.on("error", () => process.exit(1));`;
  try {
    await exec("ip", ["netns", "exec", NS.guest, process.execPath, "-e", script]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Connects from `ns`, waits for the server's greeting, sends `request`, and returns what came back before the server
 * closed or `answerMs` passed after the request (connecting and the greeting may take up to 15 s on a loaded machine).
 * A connection error is appended as "ERR:<code>".
 */
async function exchange(ns: string, host: string, port: number, request: string, answerMs = 3000): Promise<string> {
  const script = `
    let got = "";
    const done = () => { process.stdout.write(got); process.exit(0); };
    const s = require("node:net").connect({ host: ${JSON.stringify(host)}, port: ${port} });
    s.setEncoding("utf8");
    s.once("data", () => { s.write(${JSON.stringify(request)}); setTimeout(done, ${answerMs}); });
    s.on("data", (d) => (got += d));
    s.on("end", done);
    s.on("error", (e) => { got += "ERR:" + e.code; done(); });
    setTimeout(done, 15000);`;
  return (await exec("ip", ["netns", "exec", ns, process.execPath, "-e", script])).stdout;
}

describe("bridge networking (in network namespaces)", { skip }, () => {
  let hive: Driver;
  const extraNs: string[] = [];

  before(async () => {
    for (const ns of Object.values(NS)) {
      await exec("ip", ["netns", "add", ns]);
      await ip(ns, "link", "set", "lo", "up");
    }
    hive = new Driver(NS.hive);
  });

  after(async () => {
    hive?.close();
    for (const ns of [...Object.values(NS), ...extraNs]) await exec("ip", ["netns", "del", ns]).catch(() => {});
  });

  test("setupBridge creates the bridge with the gateway and metadata addresses, forwarding and hive's tables; again is a no-op", async () => {
    const net = (await hive.call("setupBridge", { name: BRIDGE, cidr: CIDR })) as { gateway: string };
    assert.equal(net.gateway, "10.73.0.1");
    await hive.call("setupBridge", { name: BRIDGE, cidr: CIDR });
    const [br] = await ipJson<{ flags: string[]; addr_info: { local: string; prefixlen: number }[] }>(NS.hive, "addr", "show", "dev", BRIDGE);
    assert.ok(br!.flags.includes("UP"));
    assert.deepEqual(br!.addr_info.map((a) => `${a.local}/${a.prefixlen}`).filter((a) => !a.includes(":")).sort(), ["10.73.0.1/24", "169.254.169.254/32"]);
    assert.equal((await inNs(NS.hive, "cat", "/proc/sys/net/ipv4/ip_forward")).trim(), "1");
    assert.deepEqual(await hiveTables(NS.hive), ["bridge", "inet"]);
  });

  test("a guest port passes nothing until guarded, then reaches the gateway and the metadata address under its own IP", async () => {
    await ip(NS.hive, "link", "add", PORT, "type", "veth", "peer", "name", "geth0");
    await ip(NS.hive, "link", "set", "geth0", "netns", NS.guest);
    await ip(NS.guest, "link", "set", "geth0", "address", GUEST.mac);
    await ip(NS.guest, "addr", "add", `${GUEST.ip}/24`, "dev", "geth0");
    await ip(NS.guest, "link", "set", "geth0", "up");
    await ip(NS.guest, "route", "add", "default", "via", "10.73.0.1");
    await ip(NS.hive, "link", "set", PORT, "master", BRIDGE, "up");
    await hive.listen("169.254.169.254", 80);
    await hive.listen("10.73.0.1", 8080);

    assert.equal(await connectFromGuest("10.73.0.1", 8080), false, "an unguarded hvt- port is dropped");
    await hive.call("guardPort", { name: PORT, mac: GUEST.mac, ip: GUEST.ip });
    assert.equal(await connectFromGuest("10.73.0.1", 8080, undefined, 5000), true, "the gateway answers");
    assert.equal(await connectFromGuest("169.254.169.254", 80), true, "the metadata address answers");
    assert.deepEqual(await hive.seen("169.254.169.254", 80), [GUEST.ip]);
  });

  test("a spoofed source address or MAC from the guest's port never reaches the server", async () => {
    const SPOOF = "10.73.0.99";
    await ip(NS.guest, "addr", "add", `${SPOOF}/32`, "dev", "geth0");
    // Give the host the spoofed address's neighbour entry, so only the guard (not a failed ARP) can stop the handshake.
    await ip(NS.hive, "neigh", "replace", SPOOF, "lladdr", GUEST.mac, "dev", BRIDGE);
    assert.equal(await connectFromGuest("169.254.169.254", 80, SPOOF), false);
    assert.ok(!(await hive.seen("169.254.169.254", 80)).includes(SPOOF));

    // Control: guarded for the other address, the same connection goes through and the real one does not.
    await hive.call("guardPort", { name: PORT, mac: GUEST.mac, ip: SPOOF });
    assert.equal(await connectFromGuest("169.254.169.254", 80, SPOOF, 5000), true);
    assert.equal(await connectFromGuest("169.254.169.254", 80, GUEST.ip), false);
    await hive.call("guardPort", { name: PORT, mac: GUEST.mac, ip: GUEST.ip });
    await ip(NS.guest, "addr", "del", `${SPOOF}/32`, "dev", "geth0");

    await ip(NS.guest, "link", "set", "geth0", "address", "52:54:00:de:ad:01");
    assert.equal(await connectFromGuest("169.254.169.254", 80), false, "a foreign MAC is dropped");
    await ip(NS.guest, "link", "set", "geth0", "address", GUEST.mac);
    assert.equal(await connectFromGuest("169.254.169.254", 80, undefined, 5000), true);
    assert.deepEqual([...new Set(await hive.seen("169.254.169.254", 80))].sort(), [GUEST.ip, SPOOF].sort(), "only the guarded control saw .99");
  });

  test("setupBridge again (a hive restart) keeps running guests' guards and network", async () => {
    await hive.call("setupBridge", { name: BRIDGE, cidr: CIDR });
    assert.deepEqual(await hive.call("guardedPorts"), [PORT]);
    assert.equal(await connectFromGuest("169.254.169.254", 80, undefined, 5000), true);
  });

  test("guests reach other networks masqueraded as the host", async () => {
    await vethPair({ ns: NS.hive, dev: "up0", addr: "10.200.0.1/24" }, { ns: NS.outside, dev: "o0", addr: "10.200.0.2/24" });
    const server = spawn("ip", ["netns", "exec", NS.outside, process.execPath, "-e",
      `require("node:net").createServer((s) => { console.log(s.remoteAddress); s.end("hi\\n"); }).listen(9000, "10.200.0.2", () => console.log("listening"));`]);
    try {
      const lines = readline.createInterface({ input: server.stdout });
      const seen: string[] = [];
      await new Promise<void>((resolve) => lines.on("line", (l) => (l === "listening" ? resolve() : seen.push(l))));
      assert.equal(await connectFromGuest("10.200.0.2", 9000, undefined, 5000), true);
      assert.deepEqual(seen, ["10.200.0.1"]);
    } finally {
      server.kill();
    }
  });

  test("a token response leaves with the guest's hop limit: the guest gets it, a container behind the guest's NAT needs 2", async () => {
    // The "container": a namespace one hop behind the guest, masqueraded by it as Docker's default bridge does.
    await vethPair({ ns: NS.guest, dev: "cveth0", addr: "192.168.77.1/24" }, { ns: NS.container, dev: "ceth0", addr: "192.168.77.2/24" });
    await ip(NS.container, "route", "add", "default", "via", "192.168.77.1");
    await inNs(NS.guest, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    await inNs(NS.guest, "nft", "add table ip cnat; add chain ip cnat post { type nat hook postrouting priority srcnat; }; add rule ip cnat post oifname geth0 masquerade");
    const PUT = "PUT /latest/api/token HTTP/1.1\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n";
    const GET = "GET /latest/meta-data/ HTTP/1.1\r\n\r\n";

    await hive.call("setHopLimits", [{ ip: GUEST.ip, hops: 1 }]);
    assert.equal(await exchange(NS.guest, "169.254.169.254", 80, PUT), "hello\nreply\n", "the guest itself is one hop away");
    // The greeting (sent before the PUT) reaches the container; the answer to the PUT dies in the guest's forwarding.
    assert.equal(await exchange(NS.container, "169.254.169.254", 80, PUT), "hello\n", "hop limit 1 keeps the token from the container");
    assert.equal(await exchange(NS.container, "169.254.169.254", 80, GET), "hello\nreply\n", "only token requests are limited");

    await hive.call("setHopLimits", [{ ip: GUEST.ip, hops: 2 }]);
    assert.equal(await exchange(NS.container, "169.254.169.254", 80, PUT), "hello\nreply\n", "hop limit 2 reaches the container");
    // A guest with no rule of its own gets EC2's default of 1, never the host's TTL of 64.
    await hive.call("setHopLimits", []);
    assert.equal(await exchange(NS.container, "169.254.169.254", 80, PUT), "hello\n");
    await assert.rejects(hive.call("setHopLimits", [{ ip: GUEST.ip, hops: 65 }]), /hop limit is 1 to 64/);
  });

  test("taps: created attached and guarded, idempotent, reconciled after a restart, deleted with their guard", async () => {
    const spec = { name: tapNameFor("i-0123456789abcdef0"), bridge: BRIDGE, mac: "52:54:00:00:00:03", ip: "10.73.0.3" };
    await hive.call("createTap", spec);
    await hive.call("createTap", spec);
    const [tap] = await ipJson<{ master: string; flags: string[]; linkinfo: { info_kind: string; info_data: { type: string } } }>(NS.hive, "-d", "link", "show", "dev", spec.name);
    assert.equal(tap!.master, BRIDGE);
    assert.ok(tap!.flags.includes("UP"));
    assert.equal(tap!.linkinfo.info_data.type, "tap");
    assert.deepEqual(await hive.call("listTaps"), [spec.name]);
    assert.deepEqual(((await hive.call("guardedPorts")) as string[]).sort(), [PORT, spec.name].sort());

    // A restart where the instance is gone: its tap and every other stale guard go.
    assert.deepEqual(await hive.call("reconcile", []), { created: [], removed: [spec.name] });
    assert.ok(!(await links(NS.hive)).includes(spec.name));
    assert.deepEqual(await hive.call("guardedPorts"), []);
    assert.deepEqual(await hive.call("reconcile", [spec]), { created: [spec.name], removed: [] });
    assert.deepEqual(await hive.call("reconcile", [spec]), { created: [], removed: [] });
    await hive.call("deleteTap", spec.name);
    await hive.call("deleteTap", spec.name);
    assert.ok(!(await links(NS.hive)).includes(spec.name));
    assert.deepEqual(await hive.call("guardedPorts"), []);
  });

  test("QEMU opens the tap by name (-netdev tap,ifname=…,script=no,downscript=no)", { skip: existsSync("/usr/bin/qemu-system-x86_64") ? false : "no qemu-system-x86_64" }, async () => {
    const spec = { name: tapNameFor("i-qemu"), bridge: BRIDGE, mac: "52:54:00:00:00:04", ip: "10.73.0.4" };
    await hive.call("createTap", spec);
    const qemu = spawn("ip", ["netns", "exec", NS.hive, "qemu-system-x86_64", "-nodefaults", "-display", "none", "-machine", "q35", "-accel", "tcg",
      "-netdev", `tap,id=net0,ifname=${spec.name},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=net0,mac=${spec.mac}`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    qemu.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    try {
      const until = Date.now() + 10_000;
      let carrier = false;
      while (!carrier && Date.now() < until && qemu.exitCode === null) {
        const [l] = await ipJson<{ flags: string[] }>(NS.hive, "link", "show", "dev", spec.name);
        carrier = l!.flags.includes("LOWER_UP");
        if (!carrier) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(carrier, `the tap has a carrier once QEMU holds it (qemu: ${stderr.trim() || "running"})`);
    } finally {
      qemu.kill("SIGKILL");
      await new Promise((r) => qemu.once("exit", r));
    }
    await hive.call("deleteTap", spec.name);
  });

  test("teardownBridge leaves no table, bridge or tap", async () => {
    await hive.call("createTap", { name: tapNameFor("i-left"), bridge: BRIDGE, mac: "52:54:00:00:00:05", ip: "10.73.0.5" });
    await hive.call("teardownBridge", { name: BRIDGE });
    assert.deepEqual(await hiveTables(NS.hive), []);
    const left = await links(NS.hive);
    assert.ok(!left.includes(BRIDGE));
    assert.deepEqual(left.filter((l) => l.startsWith("hvt-") && l !== PORT), []);
    await hive.call("teardownBridge", { name: BRIDGE });
  });

  test("a CIDR overlapping an existing address or route is refused before anything is created", async () => {
    await ip(NS.hive, "link", "add", "d0", "type", "veth", "peer", "name", "d1");
    await ip(NS.hive, "addr", "add", "10.73.5.5/16", "dev", "d0");
    await assert.rejects(hive.call("setupBridge", { name: BRIDGE, cidr: CIDR }), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, "Conflict");
      assert.match(err.message, /10\.73\.0\.0\/24 overlaps 10\.73\.0\.0\/16 \(address 10\.73\.5\.5\/16 on d0\)/);
      return true;
    });
    await ip(NS.hive, "link", "del", "d0");
    await ip(NS.hive, "route", "add", "blackhole", "10.73.0.128/25");
    await assert.rejects(hive.call("setupBridge", { name: BRIDGE, cidr: CIDR }), /overlaps the route 10\.73\.0\.128\/25/);
    assert.ok(!(await links(NS.hive)).includes(BRIDGE));
    assert.deepEqual(await hiveTables(NS.hive), []);
    // A network beside it is fine.
    await hive.call("setupBridge", { name: BRIDGE, cidr: "10.74.0.0/24" });
    await hive.call("teardownBridge", { name: BRIDGE });
  });
});
