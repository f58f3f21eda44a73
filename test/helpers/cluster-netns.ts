// A cluster test's network: one network namespace per member, each tied to the host namespace by a veth pair of its own
// and to nothing else, so members reach each other only through link emulators the test runs on the host side.
//
// Member i is namespace `<prefix>-i`; its veth is `eth0` (10.X.i.2/30) in there and `<prefix>-i` (10.X.i.1/30) here.
// Nothing routes between members, and nothing leaves through the host's own interfaces:
// - namespaces get no default route, only their /30;
// - the host does not forward what arrives on the veths (per-interface `forwarding` off, whatever ip_forward says);
// - 10.X.0.0/16 is routed to `<prefix>-void`, a bridge with no ports, so an address whose veth is down or gone is
//   silence (then EHOSTUNREACH once ARP gives up) rather than the host's default route. That route is also how X is
//   claimed: adding it fails if another cluster holds the same /16.
import { execFile, spawn as spawnChild, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import { blockOf, overlaps, parseIpv4 } from "../../src/net/index.ts";

const execFileP = promisify(execFile);

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when the command was killed (timeout, or destroy()). */
  code: number | null;
}

export interface ClusterNet {
  readonly prefix: string;
  readonly namespaces: string[];
  /** Member i's own address, 10.X.i.2, on eth0 inside its namespace. */
  nsAddress(i: number): string;
  /** The host side of member i's veth, 10.X.i.1: where the link emulators towards member i's peers listen. */
  hostAddress(i: number): string;
  /** Runs a command to completion with `ip netns exec` (which also gives it a mount namespace of its own). */
  exec(i: number, cmd: string[], opts?: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<ExecResult>;
  /**
   * Starts a long-running process in member i's network namespace. Entered with `nsenter --net` only, not `ip netns
   * exec`, so namespaces it creates (hive's VPC namespaces) are visible from the host as usual.
   */
  spawn(i: number, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Takes the host side of member i's veth down: a hard partition of member i from everyone. */
  linkDown(i: number): Promise<void>;
  linkUp(i: number): Promise<void>;
  /** Ends the processes this cluster started (SIGTERM, SIGKILL after 5 s), then deletes its namespaces and links. Idempotent. */
  destroy(): Promise<void>;
}

const FAMILY = /^hn(\d+)[a-z]-(\d+|void)$/;
let clustersMade = 0;

async function ip(...args: string[]): Promise<string> {
  try {
    return (await execFileP("ip", args)).stdout;
  } catch (err) {
    throw new Error(`ip ${args.join(" ")}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  }
}

/** For teardown: what is already gone is fine. */
const ipQuietly = (...args: string[]) => ip(...args).catch(() => "");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes namespaces and links left by a crashed run: only names of the default family (`hn<pid><letter>-…`) whose pid
 * is no longer alive. A custom prefix is not swept. A reused pid keeps its leftovers, which errs on the safe side.
 */
export async function sweepClusterNets(): Promise<void> {
  const dead = (name: string) => {
    const m = FAMILY.exec(name);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  };
  const namespaces = fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns") : [];
  for (const ns of namespaces.filter(dead)) await ipQuietly("netns", "del", ns);
  const links = JSON.parse(await ip("-j", "link", "show")) as { ifname: string }[];
  // Deleting the void bridge takes its 10.X.0.0/16 route along.
  for (const { ifname } of links.filter((l) => dead(l.ifname))) await ipQuietly("link", "del", ifname);
}

/** Whether any route or local address the host has now overlaps 10.x.0.0/16 (the default route aside). */
async function inUse(x: number): Promise<boolean> {
  const ours = { network: parseIpv4(`10.${x}.0.0`)!, prefix: 16 };
  const routes = JSON.parse(await ip("-j", "-4", "route", "show", "table", "all")) as { dst: string }[];
  return routes.some(({ dst }) => {
    if (dst === "default") return false;
    const [addr, len = "32"] = dst.split("/");
    const n = parseIpv4(addr!);
    return n !== undefined && overlaps(blockOf(n, Number(len)), ours);
  });
}

/** Picks a free 10.X.0.0/16 (X in 77–126, starting from one derived from the pid) and claims it with the void route. */
async function claimBlock(voidLink: string): Promise<number> {
  for (let k = 0; k < 50; k++) {
    const x = 77 + ((process.pid + k) % 50);
    if (await inUse(x)) continue;
    try {
      await ip("route", "add", `10.${x}.0.0/16`, "dev", voidLink);
      return x;
    } catch {
      // taken a moment ago by another cluster: try the next
    }
  }
  throw new Error("no free 10.X.0.0/16 for a test cluster among 10.77–10.126");
}

/** n members (1–255) in namespaces `<prefix>-0 … <prefix>-(n-1)`; the default prefix is `hn<pid><letter>`. */
export async function createClusterNet(n: number, opts: { prefix?: string } = {}): Promise<ClusterNet> {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error(`a test cluster has 1–255 members, not ${n}`);
  if (clustersMade >= 26 && !opts.prefix) throw new Error("more than 26 test clusters in one process: pass a prefix");
  const prefix = opts.prefix ?? `hn${process.pid}${String.fromCharCode(97 + clustersMade++)}`;
  // Interface names are at most 15 characters: room for "-void" and "-254".
  if (!/^[a-z][a-z0-9]{0,9}$/.test(prefix)) throw new Error(`cluster prefix ${prefix}: want a-z0-9, at most 10 characters, starting with a letter`);
  await sweepClusterNets();

  const namespaces = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const voidLink = `${prefix}-void`;
  const children = new Set<ChildProcess>();
  let x = 0;
  const nsAddress = (i: number) => `10.${x}.${i}.2`;
  const hostAddress = (i: number) => `10.${x}.${i}.1`;

  let destroyed: Promise<void> | undefined;
  const destroy = () =>
    (destroyed ??= (async () => {
      await Promise.all([...children].map(stop));
      for (const ns of namespaces) {
        await ipQuietly("netns", "del", ns);
        // Gone with its namespace, unless a process we did not start still holds that namespace open.
        await ipQuietly("link", "del", ns);
      }
      await ipQuietly("link", "del", voidLink);
    })());

  try {
    await ip("link", "add", voidLink, "type", "bridge");
    await ip("link", "set", voidLink, "up");
    x = await claimBlock(voidLink);
    for (const [i, ns] of namespaces.entries()) {
      await ip("netns", "add", ns);
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("link", "add", ns, "type", "veth", "peer", "name", "eth0", "netns", ns);
      fs.writeFileSync(`/proc/sys/net/ipv4/conf/${ns}/forwarding`, "0");
      await ip("addr", "add", `${hostAddress(i)}/30`, "dev", ns);
      await ip("-n", ns, "addr", "add", `${nsAddress(i)}/30`, "dev", "eth0");
      await ip("link", "set", ns, "up");
      await ip("-n", ns, "link", "set", "eth0", "up");
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  const member = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`no member ${i} in a cluster of ${n}`);
    return namespaces[i]!;
  };
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
  };

  return {
    prefix,
    namespaces,
    nsAddress: (i) => (member(i), nsAddress(i)),
    hostAddress: (i) => (member(i), hostAddress(i)),
    exec: (i, cmd, o = {}) =>
      new Promise((resolve, reject) => {
        const child = track(spawnChild("ip", ["netns", "exec", member(i), ...cmd], { env: o.env ?? process.env }));
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d: Buffer) => (stdout += d));
        child.stderr!.on("data", (d: Buffer) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 30_000);
        child.once("error", reject);
        child.once("close", (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code });
        });
        child.stdin!.end(o.input ?? "");
      }),
    spawn: (i, cmd, args, o = {}) => track(spawnChild("nsenter", [`--net=/run/netns/${member(i)}`, "--", cmd, ...args], o)),
    linkDown: async (i) => void (await ip("link", "set", member(i), "down")),
    linkUp: async (i) => void (await ip("link", "set", member(i), "up")),
    destroy,
  };
}

/** SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it has exited. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
