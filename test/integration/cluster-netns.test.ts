// A cluster test's network (test/helpers/cluster-netns.ts): two members that reach each other only through a link
// emulator on the host side, a hard partition and its end, teardown that leaves nothing, and the sweep of a crashed
// run's leftovers. Needs root (ip netns); skips otherwise. Traffic stays in the namespaces and veths made here.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import readline from "node:readline";
import { test } from "node:test";
import { createClusterNet } from "../helpers/cluster-netns.ts";
import { startLink } from "../helpers/link-emulator.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

function whyNotRunnable(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns)";
  for (const [cmd, pkg] of [["ip", "iproute2"], ["nsenter", "util-linux"]]) {
    try {
      execFileSync(cmd!, ["-V"], { stdio: "ignore" });
    } catch {
      return `${cmd} is missing (apt-get install ${pkg})`;
    }
  }
  return false;
}
const skip = whyNotRunnable();
if (skip) console.error(`cluster-netns: skipped: ${skip}`);

// No nc on the host: both ends are node one-liners. `node -e script a b` sees a and b as argv[1] and argv[2].
const ECHO_SERVER = `
const [host, port] = process.argv.slice(1);
require("net").createServer((s) => { s.on("error", () => {}); s.pipe(s); }).listen(+port, host, () => console.log("listening"));`;
const CLIENT = `
const [host, port] = process.argv.slice(1);
const s = require("net").connect(+port, host, () => s.write("ping"));
s.setTimeout(5000, () => { console.log("TIMEOUT"); process.exit(2); });
s.on("data", (d) => { console.log(String(d)); process.exit(0); });
s.on("error", (e) => { console.log(e.code); process.exit(1); });
s.on("end", () => { console.log("EOF"); process.exit(1); });`;

const netnsList = () => execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
const linkNames = () => (JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifname: string }[]).map((l) => l.ifname);

test("members talk through a link emulator; a downed veth partitions one; destroy leaves nothing", { skip }, async () => {
  const cluster = await createClusterNet(2);
  try {
    assert.deepEqual(cluster.namespaces, [`${cluster.prefix}-0`, `${cluster.prefix}-1`]);
    const server = cluster.spawn(1, process.execPath, ["-e", ECHO_SERVER, cluster.nsAddress(1), "7000"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: server.stdout! }).once("line", () => resolve());
      server.once("exit", (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    const link = await startLink({ listenHost: cluster.hostAddress(0), targetHost: cluster.nsAddress(1), targetPort: 7000 });
    try {
      const ping = async () => {
        const started = performance.now();
        const r = await cluster.exec(0, [process.execPath, "-e", CLIENT, link.host, String(link.port)], { timeoutMs: 15_000 });
        return { ...r, out: r.stdout.trim(), ms: performance.now() - started };
      };

      assert.equal((await ping()).out, "ping", "echoed from member 1 through the link");
      const direct = await cluster.exec(0, [process.execPath, "-e", CLIENT, cluster.nsAddress(1), "7000"]);
      assert.equal(direct.stdout.trim(), "ENETUNREACH", "no route from member 0 to member 1 but the link");

      await cluster.linkDown(1);
      const route = execFileSync("ip", ["route", "get", cluster.nsAddress(1)], { encoding: "utf8" });
      assert.match(route, new RegExp(` dev ${cluster.prefix}-void `), "a downed member is routed into the void, not out of the host");
      const cut = await ping();
      assert.notEqual(cut.code, 0, `partitioned, yet: ${cut.out}`);
      assert.ok(cut.ms < 8000, `failed only after ${cut.ms.toFixed(0)} ms (${cut.out})`);
      console.error(`cluster-netns: across the partition the client saw ${cut.out} after ${cut.ms.toFixed(0)} ms`);

      await cluster.linkUp(1);
      assert.equal((await ping()).out, "ping", "echoed again once the veth is up");
    } finally {
      await link.close();
    }
  } finally {
    await cluster.destroy();
  }
  await cluster.destroy(); // idempotent
  const names = linkNames();
  for (const ns of cluster.namespaces) {
    assert.ok(!netnsList().split("\n").some((l) => l.split(" ")[0] === ns), `namespace ${ns} is gone`);
    assert.ok(!names.includes(ns), `veth ${ns} is gone`);
  }
  assert.ok(!names.includes(`${cluster.prefix}-void`), "the void bridge is gone");
  const block = cluster.hostAddress(0).split(".").slice(0, 2).join(".") + ".";
  assert.ok(!execFileSync("ip", ["route", "show", "table", "all"], { encoding: "utf8" }).includes(block), `no route into ${block}0.0/16 is left`);
});

test("a run that died without destroy() leaves its namespaces, and the next cluster made sweeps them", { skip }, async () => {
  const crash = `
const { createClusterNet } = await import(${JSON.stringify(`${ROOT}test/helpers/cluster-netns.ts`)});
const c = await createClusterNet(2);
console.log(JSON.stringify({ prefix: c.prefix, namespaces: c.namespaces }));
process.kill(process.pid, "SIGKILL");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", crash], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL", r.stderr);
  const dead = JSON.parse(r.stdout) as { prefix: string; namespaces: string[] };
  assert.ok(linkNames().includes(`${dead.prefix}-void`), "left behind by the crashed run");

  const cluster = await createClusterNet(1);
  await cluster.destroy();
  const names = linkNames();
  for (const ns of dead.namespaces) {
    assert.ok(!netnsList().includes(ns), `namespace ${ns} was swept`);
    assert.ok(!names.includes(ns), `veth ${ns} was swept`);
  }
  assert.ok(!names.includes(`${dead.prefix}-void`), "the void bridge was swept");
});
