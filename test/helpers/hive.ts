// Starts the compiled dist/hive on free ports in a temporary data directory, and drives it like a user would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { pidRunning, runtimeDir, scopeOf } from "../../src/runtime/index.ts";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
// HIVE_BIN may name another build or a wrapper (the benchmarks profile the appliance through one).
export const HIVE_BIN = process.env.HIVE_BIN ?? path.join(ROOT, "dist", "hive");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HiveInstance {
  dataDir: string;
  home: string;
  proc: ChildProcess;
  endpoint: string;
  ports: { gateway: number; nats: number; leaf: number; monitor: number };
  env: Record<string, string>;
  ca: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  output: () => string;
  /** SIGKILL, as a crash would: guests, nats-server and the storage daemon are left behind. */
  kill9: () => Promise<void>;
  /** SIGTERM, as `hive` stopping: it lets go of its guests and the storage daemon, which keep running. */
  terminate: () => Promise<void>;
  /** SIGKILL to hive and every process of its appliance at once (guests, nats-server, the storage daemon): a power cut. */
  powerCut: () => Promise<void>;
  /** `hive up` again on the same data directory and ports (with these flags too), after kill9 or powerCut. */
  restart: (extraArgs?: string[]) => Promise<void>;
  stop: () => Promise<number | null>;
}

interface Spawned {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns `hive up` and resolves once it prints its ready line. */
async function spawnHive(args: string[], home: string, netns?: string): Promise<Spawned> {
  const [cmd, ...argv] = [...(netns ? ["nsenter", `--net=/run/netns/${netns}`, "--"] : []), HIVE_BIN, "up", ...args];
  const proc = spawn(cmd!, argv, { env: { ...process.env, HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hive up not ready within 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes("hive ready:")) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hive up exited with ${code}:\n${out}`));
    });
  });
  return { proc, output: () => out, exited };
}

/**
 * `hive up` on free ports; resolves once the ready line is printed. `dataDirLength` puts the data directory at a path
 * of that many characters (deep folders inside the test's temporary directory); `dataDir` names one (the caller's).
 */
export async function startHive(
  extraArgs: string[] = [],
  opts: { awsProfile?: boolean; netns?: string; dataDirLength?: number; dataDir?: string } = {},
): Promise<HiveInstance> {
  if (!fs.existsSync(HIVE_BIN)) throw new Error(`${HIVE_BIN} is missing: run 'npm run build' (npm test builds it)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-"));
  const dataDir = opts.dataDir ?? (opts.dataDirLength ? longPath(tmp, opts.dataDirLength) : path.join(tmp, "data"));
  const home = path.join(tmp, "home");
  fs.mkdirSync(home);
  const ports = { gateway: await freePort(), nats: await freePort(), leaf: await freePort(), monitor: await freePort() };
  const args = [
    "--data-dir", dataDir, ...(opts.awsProfile ? [] : ["--no-aws-profile"]),
    "--gateway-port", String(ports.gateway), "--nats-port", String(ports.nats),
    "--leaf-port", String(ports.leaf), "--monitor-port", String(ports.monitor),
    // Tests use QEMU user-mode networking unless they ask for the bridge (then inside their own network namespace).
    ...(extraArgs.includes("--network") ? [] : ["--network", "user"]),
    ...extraArgs,
  ];
  let current: Spawned;
  try {
    current = await spawnHive(args, home, opts.netns);
  } catch (err) {
    // A start that fails (a refused join, say) leaves nothing behind.
    killLeftovers(dataDir);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const env = parseEnv(runHive(["env", "--data-dir", dataDir], { HOME: home }).stdout);
  if (opts.netns) env.HIVE_NETNS = opts.netns;
  const hive: HiveInstance = {
    dataDir,
    home,
    proc: current.proc,
    ports,
    endpoint: env.AWS_ENDPOINT_URL,
    env,
    ca: fs.readFileSync(env.AWS_CA_BUNDLE, "utf8"),
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    accountId: JSON.parse(fs.readFileSync(path.join(dataDir, "config.json"), "utf8")).accountId,
    output: () => current.output(),
    kill9: async () => {
      current.proc.kill("SIGKILL");
      await current.exited;
    },
    terminate: async () => {
      current.proc.kill("SIGTERM");
      await current.exited;
    },
    powerCut: async () => {
      const pids = [current.proc.pid!, ...appliancePids(dataDir)];
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      await current.exited;
      const deadline = Date.now() + 10_000;
      // pidRunning, not alive(): an orphan nobody reaps stays a zombie, which signal 0 still finds.
      while (pids.some((pid) => pidRunning(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
    restart: async (extraArgs: string[] = []) => {
      if (current.proc.exitCode === null && current.proc.signalCode === null) throw new Error("hive is still running");
      // A member joins once: later starts are plain `hive up`.
      const again = args.filter((a, i) => a !== "--join" && args[i - 1] !== "--join");
      current = await spawnHive([...again, ...extraArgs], home, opts.netns);
      hive.proc = current.proc;
    },
    stop: async () => {
      if (current.proc.exitCode === null && current.proc.signalCode === null) current.proc.kill("SIGTERM");
      const code = await current.exited;
      killLeftovers(dataDir);
      fs.rmSync(tmp, { recursive: true, force: true });
      return code;
    },
  };
  return hive;
}

/** `<dir>/folder-aaaa…/…/data` at exactly `length` characters, in folders of at most 60. */
function longPath(dir: string, length: number): string {
  let p = dir;
  while (length - p.length > 66) p = path.join(p, `folder-${"a".repeat(52)}`);
  const last = length - p.length - 1;
  if (last < 1) throw new Error(`${dir} is already ${dir.length} characters long`);
  return path.join(p, "d".repeat(last));
}

export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return env;
}

/** A hive command; inside the test's network namespace when `env.HIVE_NETNS` names one. */
export function runHive(args: string[], env: Record<string, string> = {}) {
  const ns = env.HIVE_NETNS;
  const [cmd, ...argv] = [...(ns ? ["nsenter", `--net=/run/netns/${ns}`, "--"] : []), HIVE_BIN, ...args];
  const r = spawnSync(cmd!, argv, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface AwsResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** The real aws CLI, pointed at the appliance through `hive env`'s variables. */
export function aws(hive: HiveInstance, args: string[], override: Record<string, string> = {}): AwsResult {
  const ns = hive.env.HIVE_NETNS;
  const [cmd, ...argv] = [...(ns ? ["nsenter", `--net=/run/netns/${ns}`, "--"] : []), "aws", ...args, "--output", "json"];
  const r = spawnSync(cmd!, argv, {
    env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env, ...override },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

function sdkConfig(hive: HiveInstance, secret = hive.secretAccessKey) {
  return {
    endpoint: hive.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: hive.accessKeyId, secretAccessKey: secret },
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: hive.ca, keepAlive: true }) }),
    maxAttempts: 1,
  };
}

export const ec2Client = (hive: HiveInstance, secret?: string) => new EC2Client(sdkConfig(hive, secret));
export const stsClient = (hive: HiveInstance, secret?: string) => new STSClient(sdkConfig(hive, secret));
export const ssmClient = (hive: HiveInstance, secret?: string) => new SSMClient(sdkConfig(hive, secret));
export const iamClient = (hive: HiveInstance, secret?: string) => new IAMClient(sdkConfig(hive, secret));

/** A raw HTTPS request to the gateway, for what the SDKs would never send. */
export function rawRequest(
  hive: HiveInstance,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(opts.path ?? "/", hive.endpoint);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? "POST", headers: opts.headers, ca: hive.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The live processes of a data directory's appliance besides hive: storage daemon, nats-server, guests, VPC dnsmasqs. */
function appliancePids(dataDir: string): number[] {
  const pidFiles = [path.join(dataDir, "ebs", "qsd.pid"), path.join(dataDir, "nats", "nats-server.pid")];
  const instances = path.join(dataDir, "instances");
  if (fs.existsSync(instances)) for (const id of fs.readdirSync(instances)) pidFiles.push(path.join(instances, id, "qemu.pid"));
  // VPC mode: each VPC's dnsmasq and router namespace outlive hive for the guests' sake; with the guests gone, so are they.
  const scope = scopeOf(dataDir);
  const dns = path.join(runtimeDir(dataDir), "dns");
  if (fs.existsSync(dns)) for (const vpc of fs.readdirSync(dns)) pidFiles.push(path.join(dns, vpc, "dnsmasq.pid"));
  const pids: number[] = [];
  for (const f of pidFiles) {
    try {
      const pid = Number(fs.readFileSync(f, "utf8").trim());
      // Only a process of this data directory: a stale pid file may name someone else's process by now.
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(dataDir) || cmdline.includes(scope)) pids.push(pid);
    } catch {
      // gone already, or never started
    }
  }
  return pids;
}

/** Guests and the storage daemon outlive hive by design; a test's data directory takes them along when it goes. */
export function killLeftovers(dataDir: string): void {
  const scope = scopeOf(dataDir);
  for (const pid of appliancePids(dataDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  const netns = "/run/netns";
  for (const ns of fs.existsSync(netns) ? fs.readdirSync(netns) : []) {
    if (ns.startsWith(`${scope}-v`)) spawnSync("ip", ["netns", "del", ns]);
  }
  // The runtime directory: the guests' and the storage daemon's sockets, the VPC resolvers' files.
  fs.rmSync(runtimeDir(dataDir), { recursive: true, force: true });
}

/** Is a process with this pid still alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
