// AmazonProvidedDNS for one VPC: a detached dnsmasq inside the VPC's namespace answering instances' private DNS names
// (forward and reverse) and forwarding the rest upstream; found again through its pid file after hive restarts.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { endianness } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { logTail, pidRunning, processArgv, readPidFile, signal, spawnError, waitForExit } from "../runtime/index.ts";
import { parseIpv4 } from "./ipv4.ts";

/** One instance's names: `name` answers A and is what a PTR of `ip` gives; `aliases` answer A only. */
export interface VpcDnsHost {
  /** The private DNS name, e.g. ip-10-0-1-4.ec2.internal; its first label (ip-10-0-1-4) resolves too. */
  name: string;
  ip: string;
  /** More names for the same address (e.g. the resource name i-….ec2.internal); their first labels resolve too. */
  aliases?: string[];
}

export interface VpcDnsOptions {
  /** The VPC's named network namespace (/run/netns/<namespace>); the listen addresses must already be up in it. */
  namespace: string;
  /** Addresses to answer on, e.g. the VPC's base+2 and 169.254.169.253; never a wildcard. */
  listen: string[];
  hosts: VpcDnsHost[];
  /** Resolvers for every other name ("1.1.1.1" or "10.0.0.9#5353"); none: only the VPC's own names are answered. */
  upstreams: string[];
  /** The private domain answered locally, never forwarded (privateDnsDomain(region)); default: the domains of `hosts`. */
  domain?: string;
  /** Where the config, hosts file, pid file and log live; dnsmasq drops root, so not under the 0700 data directory. */
  runDir: string;
  log: (message: string) => void;
  /** The dnsmasq executable; default found on PATH or in /usr/sbin. */
  binary?: string;
  /** Spawn to listening; default 5 s. */
  readyTimeoutMs?: number;
}

export interface VpcDnsInfo {
  pid: number;
  /** True when a dnsmasq left by an earlier hive process was found and kept. */
  adopted: boolean;
  /** Start (or adoption) in milliseconds. */
  ms: number;
}

export interface VpcDnsPaths {
  dir: string;
  config: string;
  hosts: string;
  pidFile: string;
  logFile: string;
}

/** What dnsmasq needs to render its config; `user` is who it drops to after binding port 53. */
export interface DnsmasqConfig {
  namespace: string;
  listen: string[];
  upstreams: string[];
  domains: string[];
  user: string;
  paths: VpcDnsPaths;
}

/** The file names inside a run directory (absolute, since the running dnsmasq is recognised by its config's path). */
export function vpcDnsPaths(runDir: string): VpcDnsPaths {
  const dir = resolve(runDir);
  return {
    dir,
    config: join(dir, "dnsmasq.conf"),
    hosts: join(dir, "hosts"),
    pidFile: join(dir, "dnsmasq.pid"),
    logFile: join(dir, "dnsmasq.log"),
  };
}

/** EC2's private DNS domain: ec2.internal in us-east-1, <region>.compute.internal elsewhere. */
export function privateDnsDomain(region: string): string {
  if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region)) throw new Error(`not a region name: ${JSON.stringify(region)}`);
  return region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
}

/** EC2's IP-based private DNS name: 10.0.1.4 in eu-west-1 → ip-10-0-1-4.eu-west-1.compute.internal. */
export function privateDnsName(ip: string, region: string): string {
  if (parseIpv4(ip) === undefined) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return `ip-${ip.split(".").map(Number).join("-")}.${privateDnsDomain(region)}`;
}

const LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DNS_NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

function checkName(name: string): string {
  // Also keeps newlines and spaces out of the files dnsmasq reads.
  if (name.length > 253 || !DNS_NAME.test(name)) throw new Error(`not a DNS name: ${JSON.stringify(name)}`);
  return name;
}

function checkIpv4(ip: string, what: string): string {
  if (parseIpv4(ip) === undefined) throw new Error(`${what} is not an IPv4 address: ${JSON.stringify(ip)}`);
  return ip;
}

/** The first label, for the short name a guest's search domain completes. */
const shortName = (name: string): string | undefined => (name.includes(".") ? name.slice(0, name.indexOf(".")) : undefined);

/**
 * The hosts file: one line per address, the private DNS name first (dnsmasq answers a PTR with a line's first name),
 * then its short name, then the aliases and theirs. Sorted by address so a rewrite with the same hosts is identical.
 */
export function renderVpcDnsHosts(hosts: VpcDnsHost[]): string {
  const byIp = new Map<string, string[]>();
  for (const h of hosts) {
    checkIpv4(h.ip, `the address of ${h.name}`);
    const names = byIp.get(h.ip) ?? [];
    for (const n of [h.name, ...(h.aliases ?? [])]) {
      const full = checkName(n.toLowerCase());
      for (const x of [full, shortName(full)]) if (x !== undefined && !names.includes(x)) names.push(x);
    }
    byIp.set(h.ip, names);
  }
  const lines = [...byIp].sort(([a], [b]) => parseIpv4(a)! - parseIpv4(b)!).map(([ip, names]) => `${ip} ${names.join(" ")}`);
  return ["# Private DNS names of this VPC's instances; written by hive, re-read on SIGHUP.", ...lines, ""].join("\n");
}

/** The domains of the hosts' names: what is answered locally when no domain is given. */
const domainsOf = (hosts: VpcDnsHost[]): string[] => [
  ...new Set(hosts.flatMap((h) => [h.name, ...(h.aliases ?? [])]).flatMap((n) => (n.includes(".") ? [n.slice(n.indexOf(".") + 1).toLowerCase()] : []))),
];

/**
 * dnsmasq's config: in the foreground (we detach it ourselves, so the pid is the one we spawned), bound only to the
 * listen addresses, no DHCP, nothing read from /etc/hosts or /etc/resolv.conf, the private domain and private
 * reverse zones never forwarded, plain names never forwarded, logging to stderr (our log file).
 */
export function renderVpcDnsConfig(c: DnsmasqConfig): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(c.namespace) || c.namespace.startsWith(".")) throw new Error(`not a namespace name: ${JSON.stringify(c.namespace)}`);
  if (c.listen.length === 0) throw new Error("dnsmasq needs at least one listen address");
  for (const a of c.listen) if (parseIpv4(checkIpv4(a, "listen address")) === 0) throw new Error("dnsmasq must not listen on 0.0.0.0");
  for (const u of c.upstreams) {
    const [ip, port, extra] = u.split("#");
    checkIpv4(ip!, "upstream");
    if (extra !== undefined || (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536))) {
      throw new Error(`upstream ${JSON.stringify(u)} is not <ip> or <ip>#<port>`);
    }
  }
  if (!/^[a-z_][a-z0-9_-]*$/.test(c.user)) throw new Error(`not a user name: ${JSON.stringify(c.user)}`);
  return [
    `# AmazonProvidedDNS of the VPC in network namespace ${c.namespace}; written by hive, replaced on each start.`,
    "keep-in-foreground",
    `user=${c.user}`,
    `pid-file=${c.paths.pidFile}`,
    "log-facility=-",
    "bind-interfaces",
    ...c.listen.map((a) => `listen-address=${a}`),
    "no-hosts",
    "no-resolv",
    `addn-hosts=${c.paths.hosts}`,
    "domain-needed",
    "bogus-priv",
    ...[...new Set(c.domains.map((d) => checkName(d.toLowerCase())))].map((d) => `local=/${d}/`),
    ...c.upstreams.map((u) => `server=${u}`),
    "cache-size=1000",
    "",
  ].join("\n");
}

/** The pid of the dnsmasq serving runDir: the pid file's process, alive and started with this runDir's config. */
export function vpcDnsPid(runDir: string): number | undefined {
  const paths = vpcDnsPaths(runDir);
  const pid = readPidFile(paths.pidFile);
  if (pid === undefined) return undefined;
  const argv = processArgv(pid);
  const ours = !!argv?.length && basename(argv[0]!) === "dnsmasq" && argv.includes(`--conf-file=${paths.config}`);
  return ours && pidRunning(pid) ? pid : undefined;
}

/**
 * Starts the VPC's dnsmasq detached (its own session: it outlives a kill -9 of hive) inside the namespace, or adopts
 * the one already serving runDir: kept when its config is unchanged (its hosts file is rewritten and re-read),
 * restarted when the listen addresses, upstreams, domain or namespace differ.
 */
export async function startVpcDns(opts: VpcDnsOptions): Promise<VpcDnsInfo> {
  const started = performance.now();
  const paths = vpcDnsPaths(opts.runDir);
  const user = dropUser();
  const config = renderVpcDnsConfig({
    namespace: opts.namespace,
    listen: opts.listen,
    upstreams: opts.upstreams,
    domains: opts.domain !== undefined ? [opts.domain] : domainsOf(opts.hosts),
    user: user.name,
    paths,
  });
  const hosts = renderVpcDnsHosts(opts.hosts);
  const binary = findDnsmasq(opts.binary);
  const nsFile = `/run/netns/${opts.namespace}`;
  if (!existsSync(nsFile)) throw new Error(`network namespace ${opts.namespace} does not exist (no ${nsFile})`);

  // The run directory must let dnsmasq's unprivileged user read the hosts file again on SIGHUP.
  makeRunDir(paths.dir);
  checkReachable(paths.dir, user);

  const running = vpcDnsPid(paths.dir);
  if (running !== undefined) {
    if (readText(paths.config) === config && sameNetns(running, nsFile)) {
      writeHosts(paths, hosts);
      signal(running, "SIGHUP");
      const info = { pid: running, adopted: true, ms: Math.round(performance.now() - started) };
      opts.log(`dnsmasq for ${opts.namespace} adopted (pid ${running})`);
      return info;
    }
    opts.log(`dnsmasq for ${opts.namespace} (pid ${running}) runs with another config; restarting it`);
    await endProcess(running, 3_000, opts.log);
  }

  writeAtomic(paths.config, config, 0o600);
  writeHosts(paths, hosts);
  rmSync(paths.pidFile, { force: true });
  const pid = await spawnDnsmasq(opts, paths, binary, nsFile);
  const info = { pid, adopted: false, ms: Math.round(performance.now() - started) };
  opts.log(`dnsmasq for ${opts.namespace} ready (pid ${pid}, ${info.ms}ms) on ${opts.listen.join(", ")}`);
  return info;
}

/**
 * Replaces the hosts file atomically and has dnsmasq re-read it (SIGHUP; live at once). False when no dnsmasq serves
 * runDir: the file is written all the same if the run directory exists (nothing is created for a stopped VPC).
 */
export async function updateVpcDns(runDir: string, hosts: VpcDnsHost[]): Promise<boolean> {
  const paths = vpcDnsPaths(runDir);
  const text = renderVpcDnsHosts(hosts);
  if (!existsSync(paths.dir)) return false;
  writeHosts(paths, text);
  const pid = vpcDnsPid(paths.dir);
  if (pid === undefined) return false;
  signal(pid, "SIGHUP");
  return true;
}

/** Stops runDir's dnsmasq (SIGTERM, SIGKILL after `timeoutMs`) and removes its files; true when one was running. */
export async function stopVpcDns(runDir: string, timeoutMs = 3_000, log: (message: string) => void = () => {}): Promise<boolean> {
  const paths = vpcDnsPaths(runDir);
  const pid = vpcDnsPid(paths.dir);
  if (pid !== undefined) await endProcess(pid, timeoutMs, log);
  for (const p of [paths.config, paths.hosts, paths.pidFile, paths.logFile]) rmSync(p, { force: true });
  try {
    for (const f of readdirSync(paths.dir)) if (f.startsWith("hosts.tmp-")) rmSync(join(paths.dir, f), { force: true });
    rmdirSync(paths.dir);
  } catch {
    // Missing, or holding files that are not ours: left as it is.
  }
  return pid !== undefined;
}

/** dnsmasq is in Debian's dnsmasq-base (which ships no service); /usr/sbin is often not on a user's PATH. */
const DNSMASQ_PACKAGE = { pkg: "dnsmasq-base", hint: "Debian's package of the dnsmasq binary, without the system service" };

/** The given binary if it is executable, else dnsmasq from PATH or /usr/sbin; missing says which package to install. */
function findDnsmasq(given?: string): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/sbin", "/sbin"];
  for (const candidate of given !== undefined ? [given] : dirs.map((d) => join(d, "dnsmasq"))) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  const err: NodeJS.ErrnoException = new Error("not found");
  err.code = "ENOENT";
  throw spawnError(err, given ?? "dnsmasq", { name: "dnsmasq", ...DNSMASQ_PACKAGE });
}

async function spawnDnsmasq(opts: VpcDnsOptions, paths: VpcDnsPaths, binary: string, nsFile: string): Promise<number> {
  // nsenter --net only: `ip netns exec` would also unshare the mount namespace. nsenter execs, so the pid stays dnsmasq's.
  const args = [`--net=${nsFile}`, "--", binary, `--conf-file=${paths.config}`];
  const logFd = openSync(paths.logFile, "w", 0o644);
  writeSync(logFd, `--- ${new Date().toISOString()} hive starting nsenter ${args.join(" ")}\n`);
  const logStart = statSync(paths.logFile).size;
  let child: ChildProcess;
  try {
    // Its own session, not waited for: guests keep their resolver while hive restarts.
    child = spawn("nsenter", args, { detached: true, stdio: ["ignore", logFd, logFd] });
  } catch (err) {
    throw spawnError(err as NodeJS.ErrnoException, "nsenter", { pkg: "util-linux" });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  let exit: string | undefined;
  let failedSpawn: NodeJS.ErrnoException | undefined;
  child.once("error", (err: NodeJS.ErrnoException) => (failedSpawn = err));
  child.once("exit", (code, sig) => (exit = sig ? `killed by ${sig}` : `exit code ${code}`));

  const timeoutMs = opts.readyTimeoutMs ?? 5_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (failedSpawn) throw spawnError(failedSpawn, "nsenter", { pkg: "util-linux" });
    if (exit !== undefined || child.pid === undefined) {
      throw new Error(`dnsmasq for ${opts.namespace} exited during start (${exit ?? "no pid"}).${logTail(paths.logFile, logStart)}`);
    }
    // dnsmasq writes its pid file after binding its sockets: by then it has either failed or holds all it will hold.
    if (readPidFile(paths.pidFile) === child.pid) {
      const missing = unboundAddresses(child.pid, opts.listen);
      if (missing.length === 0) return child.pid;
      child.kill("SIGKILL");
      rmSync(paths.pidFile, { force: true });
      throw new Error(
        `dnsmasq for ${opts.namespace} started but does not listen on ${missing.join(", ")} port 53; ` +
          `are the addresses on the namespace's lo?${logTail(paths.logFile, logStart)}`,
      );
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`dnsmasq for ${opts.namespace} (pid ${child.pid}) did not start within ${timeoutMs}ms.${logTail(paths.logFile, logStart)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The listen addresses on which the process holds no UDP port 53 socket. /proc/<pid>/net/udp lists the sockets of the
 * process's own namespace; its fds tell its sockets from another resolver's there. Readiness is what it holds, not
 * only that it wrote its pid file.
 */
function unboundAddresses(pid: number, listen: string[]): string[] {
  const own = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkOrEmpty(`/proc/${pid}/fd/${fd}`));
      if (m) own.add(m[1]!);
    }
  } catch {
    return listen;
  }
  const bound = new Set<string>();
  for (const line of (readText(`/proc/${pid}/net/udp`) ?? "").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && own.has(f[9]!)) bound.add(f[1]!);
  }
  return listen.filter((a) => !bound.has(`${procNetAddress(a)}:0035`));
}

/** An IPv4 address as /proc/net/udp prints it: the network-order word in host byte order, in hex. */
function procNetAddress(ip: string): string {
  const bytes = ip.split(".").map((b) => Number(b).toString(16).padStart(2, "0").toUpperCase());
  return (endianness() === "LE" ? bytes.reverse() : bytes).join("");
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

async function endProcess(pid: number, timeoutMs: number, log: (message: string) => void): Promise<void> {
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, timeoutMs)) return;
  log(`dnsmasq (pid ${pid}) still running ${timeoutMs}ms after SIGTERM; sending SIGKILL`);
  signal(pid, "SIGKILL");
  await waitForExit(pid, 2_000);
}

/** The run directory and any parents it needed, 0755 whatever the umask; existing parents are left as they are. */
function makeRunDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (let d = dir; first !== undefined; d = dirname(d)) {
    chmodSync(d, 0o755);
    if (d === first || d === dirname(d)) break;
  }
  chmodSync(dir, 0o755);
}

function writeHosts(paths: VpcDnsPaths, text: string): void {
  writeAtomic(paths.hosts, text, 0o644);
}

/** Write then rename, so dnsmasq never reads half a file. */
function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = join(dirname(file), `${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode); // the umask may have taken bits the mode asked for
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Whether the process runs in the network namespace the file names. */
function sameNetns(pid: number, nsFile: string): boolean {
  try {
    const a = statSync(`/proc/${pid}/ns/net`);
    const b = statSync(nsFile);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

interface DropUser {
  name: string;
  uid: number;
}

/** dnsmasq gives up root after binding: to Debian's own `dnsmasq` user when dnsmasq-base created it, else nobody. */
function dropUser(): DropUser {
  const users = new Map<string, DropUser>();
  for (const line of (readText("/etc/passwd") ?? "").split("\n")) {
    const [name, , uid] = line.split(":");
    if (name && uid) users.set(name, { name, uid: Number(uid) });
  }
  return users.get("dnsmasq") ?? users.get("nobody") ?? { name: "nobody", uid: 65534 };
}

/** Every directory down to `dir` must be searchable by the dropped user, or a SIGHUP leaves dnsmasq without its hosts. */
function checkReachable(dir: string, user: DropUser): void {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    // Group bits are not counted: the group dnsmasq ends up in need not be the user's primary one.
    const bit = st.uid === user.uid ? 0o100 : 0o001;
    if (!(st.mode & bit)) {
      throw new Error(
        `dnsmasq runs as ${user.name}, which cannot reach ${d} (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}) ` +
          `to read its hosts file; give the VPC DNS a run directory others may enter (e.g. under /run)`,
      );
    }
    if (d === dirname(d)) return;
  }
}
