// The VPC resolver for real, confined to a network namespace this test creates: dnsmasq answers private DNS names
// forward and reverse, outlives the process that started it, takes hosts updates live, is adopted by a second start,
// forwards to a fake upstream (another dnsmasq) and leaves nothing behind. Queries are made from inside the namespace.
// Needs root and dnsmasq; skips otherwise.

import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import readline from "node:readline";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { pidRunning, readPidFile } from "../../src/runtime/index.ts";
import { privateDnsName, startVpcDns, stopVpcDns, updateVpcDns, vpcDnsPid, type VpcDnsOptions } from "../../src/net/index.ts";

const exec = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const tag = randomBytes(3).toString("hex");
const NS = `hive-t-${tag}-dns`;
const DNS_IP = "10.0.0.2";
const LINK_LOCAL_DNS = "169.254.169.253";
const BARE_IP = "10.0.0.3"; // a second resolver with no upstream
const UPSTREAM_IP = "10.0.0.53"; // the fake outside resolver
const REGION = "us-east-1";

function whyNotRunnable(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns, nsenter)";
  for (const [cmd, pkg] of [["ip", "iproute2"], ["nsenter", "util-linux"]]) {
    try {
      execFileSync(cmd, ["-V"], { stdio: "ignore" });
    } catch {
      return `${cmd} is missing (apt-get install ${pkg})`;
    }
  }
  if (!existsSync("/usr/sbin/dnsmasq")) return "dnsmasq is missing (apt-get install dnsmasq-base)";
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
if (skip) console.error(`vpc-dns: skipped: ${skip}`);

type Answer = { ok: unknown } | { code: string; ms: number };

/** Runs DNS questions from inside the namespace with node:dns, one try each, and returns the answers or error codes. */
async function ask(server: string, questions: [kind: "A" | "AAAA" | "PTR", name: string][]): Promise<Answer[]> {
  const script = `
    const { Resolver } = require("node:dns").promises;
    const r = new Resolver({ timeout: 1500, tries: 1 });
    r.setServers([process.argv[1]]);
    (async () => {
      const out = [];
      for (const [kind, name] of JSON.parse(process.argv[2])) {
        const t = performance.now();
        try { out.push({ ok: kind === "PTR" ? await r.reverse(name) : kind === "AAAA" ? await r.resolve6(name) : await r.resolve4(name) }); }
        catch (e) { out.push({ code: e.code, ms: performance.now() - t }); }
      }
      console.log(JSON.stringify(out));
    })();`;
  const { stdout } = await exec("ip", ["netns", "exec", NS, process.execPath, "-e", script, server, JSON.stringify(questions)]);
  return JSON.parse(stdout) as Answer[];
}

const ip4 = (...args: string[]) => exec("ip", ["-n", NS, ...args]);

/** Plays a hive process: starts the resolver from a child node, which is then killed with SIGKILL. */
async function startInDoomedProcess(opts: VpcDnsOptions): Promise<{ pid: number; adopted: boolean }> {
  const script = `import("./src/net/index.ts").then(async (net) => {
    const info = await net.startVpcDns({ ...JSON.parse(process.argv[1]), log: () => {} });
    console.log(JSON.stringify(info));
    setInterval(() => {}, 60_000);
  });`;
  const { log: _log, ...plain } = opts;
  const child = spawn(process.execPath, ["--import", "tsx", "-e", script, JSON.stringify(plain)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(readline.createInterface({ input: child.stdout! }), "line")) as [string];
  child.kill("SIGKILL");
  await once(child, "exit");
  return JSON.parse(line) as { pid: number; adopted: boolean };
}

describe("VPC DNS (dnsmasq in a namespace)", { skip: skip || false }, () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-vpc-dns-"));
  chmodSync(dir, 0o755); // dnsmasq's own user must reach the hosts file
  const runDir = join(dir, "v1");
  const bareDir = join(dir, "v2");
  const logs: string[] = [];
  const log = (m: string) => void logs.push(m);
  const web = { name: privateDnsName("10.0.1.4", REGION), ip: "10.0.1.4", aliases: ["i-0123456789abcdef0.ec2.internal"] };
  const db = { name: privateDnsName("10.0.2.9", REGION), ip: "10.0.2.9" };
  const base: VpcDnsOptions = {
    namespace: NS,
    listen: [DNS_IP, LINK_LOCAL_DNS],
    hosts: [web],
    upstreams: [UPSTREAM_IP],
    domain: "ec2.internal",
    runDir,
    log,
  };
  let upstream: ChildProcess | undefined;
  let firstPid = 0;

  before(async () => {
    await exec("ip", ["netns", "add", NS]);
    await ip4("link", "set", "lo", "up");
    for (const a of [DNS_IP, LINK_LOCAL_DNS, BARE_IP, UPSTREAM_IP]) await ip4("addr", "add", `${a}/32`, "dev", "lo");
    // The fake outside: a plain dnsmasq that knows example.test, started by the test itself.
    const up = join(dir, "upstream");
    mkdirSync(up, { mode: 0o755 });
    writeFileSync(
      join(up, "dnsmasq.conf"),
      ["keep-in-foreground", "user=nobody", `pid-file=${up}/pid`, "log-facility=-", "bind-interfaces", `listen-address=${UPSTREAM_IP}`, "no-hosts", "no-resolv", "address=/example.test/1.2.3.4", ""].join("\n"),
    );
    upstream = spawn("nsenter", [`--net=/run/netns/${NS}`, "/usr/sbin/dnsmasq", `--conf-file=${up}/dnsmasq.conf`], { stdio: "ignore" });
    for (let i = 0; readPidFile(`${up}/pid`) !== upstream.pid; i++) {
      assert.ok(i < 250 && upstream.exitCode === null, "the fake upstream dnsmasq did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    await stopVpcDns(runDir).catch(() => {});
    await stopVpcDns(bareDir).catch(() => {});
    upstream?.kill("SIGKILL");
    await exec("ip", ["netns", "del", NS]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  test("started by a hive that is then killed with SIGKILL, it keeps running in its own session", async () => {
    const info = await startInDoomedProcess(base);
    assert.equal(info.adopted, false);
    assert.ok(pidRunning(info.pid));
    firstPid = info.pid;
    assert.equal(vpcDnsPid(runDir), info.pid);
    // Its own session, so a kill -9 of hive (or a signal to hive's process group) does not take it along.
    const sid = execFileSync("ps", ["-o", "sid=", "-p", String(info.pid)]).toString().trim();
    assert.equal(Number(sid), info.pid);
    assert.equal(statSync(join(runDir, "dnsmasq.conf")).mode & 0o777, 0o600);
    assert.equal(statSync(join(runDir, "hosts")).mode & 0o777, 0o644);
  });

  test("answers a private name forward, reverse, short and by alias, on both addresses; AAAA is NODATA", async () => {
    for (const server of [DNS_IP, LINK_LOCAL_DNS]) {
      const [a, ptr, short, alias, aaaa] = await ask(server, [
        ["A", "ip-10-0-1-4.ec2.internal"],
        ["PTR", "10.0.1.4"],
        ["A", "ip-10-0-1-4"],
        ["A", "i-0123456789abcdef0.ec2.internal"],
        ["AAAA", "ip-10-0-1-4.ec2.internal"],
      ]);
      assert.deepEqual(a, { ok: ["10.0.1.4"] }, server);
      assert.deepEqual(ptr, { ok: ["ip-10-0-1-4.ec2.internal"] }, server);
      assert.deepEqual(short, { ok: ["10.0.1.4"] }, server);
      assert.deepEqual(alias, { ok: ["10.0.1.4"] }, server);
      // No IPv6 address, but the name exists: NODATA at once, so a resolver asking A and AAAA does not wait.
      assert.equal((aaaa as { code: string }).code, "ENODATA", server);
    }
  });

  test("says NXDOMAIN for an unknown name of the private domain and an unknown private address, without asking upstream", async () => {
    const [name, ptr, plain] = await ask(DNS_IP, [
      ["A", "ip-10-0-9-9.ec2.internal"],
      ["PTR", "10.0.9.9"],
      ["A", "nosuchhost"],
    ]);
    for (const x of [name, ptr, plain]) assert.equal((x as { code: string }).code, "ENOTFOUND");
  });

  test("forwards other names to the upstream", async () => {
    assert.deepEqual(await ask(DNS_IP, [["A", "www.example.test"]]), [{ ok: ["1.2.3.4"] }]);
  });

  test("listens only on the given addresses, never the wildcard", async () => {
    const [x] = await ask("127.0.0.1", [["A", "ip-10-0-1-4.ec2.internal"]]);
    assert.ok("code" in x! && x.code !== undefined, `127.0.0.1 answered: ${JSON.stringify(x)}`);
    const { stdout } = await exec("ip", ["netns", "exec", NS, "ss", "-H", "-lnup"]);
    const ours = stdout.split("\n").filter((l) => l.includes(`pid=${firstPid},`)).map((l) => l.trim().split(/\s+/)[3]);
    assert.deepEqual(ours.sort(), [`${DNS_IP}:53`, `${LINK_LOCAL_DNS}:53`].sort());
  });

  test("an update is live within a second", async () => {
    assert.equal(await updateVpcDns(runDir, [web, db]), true);
    const t = performance.now();
    for (;;) {
      const [a] = await ask(DNS_IP, [["A", "ip-10-0-2-9.ec2.internal"]]);
      if ("ok" in a!) break;
      assert.ok(performance.now() - t < 1_000, "the new name did not resolve within a second");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await ask(DNS_IP, [["PTR", "10.0.2.9"]]), [{ ok: ["ip-10-0-2-9.ec2.internal"] }]);
    assert.equal(vpcDnsPid(runDir), firstPid, "an update must not restart dnsmasq");
  });

  test("a second start on the same run directory (hive restarted) adopts the running dnsmasq and takes its hosts", async () => {
    const info = await startVpcDns({ ...base, hosts: [db] });
    assert.deepEqual([info.adopted, info.pid], [true, firstPid]);
    const [gone, kept] = await ask(DNS_IP, [["A", "ip-10-0-1-4.ec2.internal"], ["A", "ip-10-0-2-9.ec2.internal"]]);
    assert.equal((gone as { code: string }).code, "ENOTFOUND");
    assert.deepEqual(kept, { ok: ["10.0.2.9"] });
  });

  test("a start with other upstreams restarts it with the new config", async () => {
    const info = await startVpcDns({ ...base, hosts: [db], upstreams: [`${UPSTREAM_IP}#53`] });
    assert.equal(info.adopted, false);
    assert.notEqual(info.pid, firstPid);
    assert.equal(pidRunning(firstPid), false);
    assert.deepEqual(await ask(DNS_IP, [["A", "example.test"]]), [{ ok: ["1.2.3.4"] }]);
  });

  test("with no upstream, other names are refused at once", async () => {
    await startVpcDns({ ...base, listen: [BARE_IP], upstreams: [], runDir: bareDir });
    const [own, other] = await ask(BARE_IP, [["A", "ip-10-0-1-4"], ["A", "www.example.test"]]);
    assert.deepEqual(own, { ok: ["10.0.1.4"] });
    assert.equal((other as { code: string }).code, "EREFUSED");
    assert.ok((other as { ms: number }).ms < 500);
    assert.equal(await stopVpcDns(bareDir), true);
  });

  test("reports dnsmasq's own words when a listen address is not in the namespace", async () => {
    await assert.rejects(startVpcDns({ ...base, listen: ["10.0.0.99"], runDir: join(dir, "bad") }), /exited during start[\s\S]*10\.0\.0\.99/);
    assert.equal(readdirSync(join(dir, "bad")).includes("dnsmasq.pid"), false);
  });

  test("names the package when dnsmasq is missing, and the namespace when it is", async () => {
    await assert.rejects(startVpcDns({ ...base, runDir: join(dir, "nobin"), binary: "/nonexistent/dnsmasq" }), /apt-get install dnsmasq-base/);
    await assert.rejects(startVpcDns({ ...base, runDir: join(dir, "nons"), namespace: `${NS}-none` }), /does not exist/);
  });

  test("refuses a run directory dnsmasq's user could not reach after dropping root", async () => {
    const closed = join(dir, "closed");
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    await assert.rejects(startVpcDns({ ...base, runDir: join(closed, "v9") }), /cannot reach .*closed/);
  });

  test("stop ends it and removes its files; a second stop does nothing", async () => {
    const pid = vpcDnsPid(runDir)!;
    assert.equal(await stopVpcDns(runDir), true);
    assert.equal(pidRunning(pid), false);
    assert.equal(existsSync(runDir), false);
    assert.equal(await stopVpcDns(runDir), false);
    assert.equal(await updateVpcDns(runDir, [web]), false);
    assert.equal(existsSync(runDir), false, "an update of a stopped VPC's resolver creates nothing");
  });
});
