// The VPC data plane's benchmark, in network namespaces it creates (root): (a) rule change → enforced, the time from the
// applyVpc call that adds a rule until a blocked connection succeeds, next to loading the same ruleset with a bare
// `nft -f`; (b) guest-to-guest TCP throughput through the VPC router with a security group of 1 and of 1,000 rules,
// next to the same two guest namespaces on a plain Linux bridge with no rules.
// Run: sudo ./node_modules/.bin/tsx bench/vpc-dataplane.bench.ts   (RUNS=30 ROUNDS=8 SECONDS=2 to change the sizes)
// `npm run bench` runs it too, with HIVE_VPC_BENCH_JSON naming a file for the figures (VpcDataplaneFigures).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import readline from "node:readline";
import { promisify } from "node:util";
import { applyVpc, netnsExecPrefix, setupVpcHost, teardownVpcHost, vpcNamespace, vpcRuleset, type RulePlan, type VpcPlan } from "../src/net/index.ts";

const exec = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const SECONDS = Number(process.env.SECONDS ?? 2);
const INSIDE = process.env.HIVE_VPC_BENCH_TAG;
const JSON_OUT = process.env.HIVE_VPC_BENCH_JSON;

interface Spread {
  p50: number;
  p99: number;
}

/** What bench/results.json keeps under vpcDataplane. */
export interface VpcDataplaneFigures {
  cpus: number;
  runs: number;
  rounds: number;
  seconds: number;
  /** (a) rule change → enforced, ms: applyVpc call → a blocked connection accepted, → applyVpc returned, and the floor. */
  ruleChange: { enforcedMs: Spread; appliedMs: Spread; nftOnlyMs: Spread };
  /** (b) one TCP stream guest to guest, Gbit/s per round; the bridge (no rules) is the reference. */
  throughputGbps: { bridge: number[]; rules1: number[]; rules1000: number[] };
  medianGbps: { bridge: number; rules1: number; rules1000: number };
  /** Median over the bridge's median. */
  ratio: { rules1: number; rules1000: number };
  /** Median of each round's ratio to that round's bridge run. */
  perRoundRatio: { rules1: number; rules1000: number };
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const ip = (where: string, ...args: string[]) => exec("ip", ["-n", where, ...args]);

/** A bench/vpc-agent.ts process in a guest namespace. */
class Agent {
  private next = 1;
  private readonly waiting = new Map<number, (r: { ok: boolean; value?: unknown; error?: string }) => void>();
  private readonly child: ChildProcess;

  constructor(where: string) {
    this.child = spawn("nsenter", [`--net=/run/netns/${where}`, "--", process.execPath, "--import", "tsx", "bench/vpc-agent.ts"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const r = JSON.parse(line) as { id: number; ok: boolean };
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
  }

  send<T>(req: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r.value as T) : reject(new Error(r.error))));
      this.child.stdin!.write(JSON.stringify({ id, ...req }) + "\n");
    });
  }

  close = () => this.child.stdin!.end();
}

async function inside(tag: string): Promise<void> {
  const scope = `hvb${tag}`;
  const vpc = vpcNamespace(scope, 1);
  const vpc1000 = vpcNamespace(scope, 2);
  const g1 = `hive-b-${tag}-g1`;
  const g2 = `hive-b-${tag}-g2`;
  const br = `hive-b-${tag}-br`;
  // Each guest has three interfaces, so the three paths are measured in turns with nothing re-applied in between:
  // eth0 in VPC 1 (10.0.1.0/24, its group changes size in (a)), eth2 in VPC 2 (10.1.1.0/24, 1,000 rules), eth1 on a bridge.
  const guests = [
    { ns: g1, port: "p-g1", mac: "52:54:00:00:01:04", host: 4, lan: "192.168.50.1" },
    { ns: g2, port: "p-g2", mac: "52:54:00:00:01:05", host: 5, lan: "192.168.50.2" },
  ];
  const fillers = (n: number): RulePlan[] =>
    Array.from({ length: n }, (_, i) => ({ protocol: "tcp", fromPort: 10000 + i, toPort: 10000 + i, cidrs: [`172.16.${i >> 8}.${i & 255}/32`], groupIds: [] }));
  const allow = (net: number): RulePlan => ({ protocol: "tcp", fromPort: 5001, toPort: 5002, cidrs: [`10.${net}.1.4/32`], groupIds: [] });
  const plan = (index: number, rules: RulePlan[]): VpcPlan => {
    const net = index - 1;
    return {
      vpcId: `vpc-bench-${index}`,
      index,
      namespace: vpcNamespace(scope, index),
      cidrs: [`10.${net}.0.0/16`],
      hostRoute: false,
      subnets: [{ id: "subnet-1", cidr: `10.${net}.1.0/24`, gateway: `10.${net}.1.1`, internet: false }],
      ports: guests.map((g, i) => ({ name: g.port, subnetId: "subnet-1", mac: g.mac, ip: `10.${net}.1.${g.host}`, groupIds: [i === 0 ? "sg-client" : "sg-server"], hopLimit: 1, sourceDestCheck: true })),
      groups: [
        { id: "sg-client", ingress: [], egress: [{ protocol: "all", cidrs: ["0.0.0.0/0"], groupIds: [] }] },
        { id: "sg-server", ingress: rules, egress: [{ protocol: "all", cidrs: ["0.0.0.0/0"], groupIds: [] }] },
      ],
    };
  };

  const agents: Agent[] = [];
  try {
    await setupVpcHost({ scope });
    await applyVpc(plan(1, []));
    await applyVpc(plan(2, [...fillers(999), allow(1)]));
    await exec("ip", ["netns", "add", br]);
    await ip(br, "link", "add", "br0", "type", "bridge");
    await ip(br, "link", "set", "br0", "up");
    const link = async (g: (typeof guests)[number], dev: string, peerNs: string, addr: string, mac?: string) => {
      await ip(g.ns, "link", "add", dev, "type", "veth", "peer", "name", peerNs === br ? `b-${g.port}` : g.port, "netns", peerNs);
      if (mac) await ip(g.ns, "link", "set", dev, "address", mac);
      await ip(g.ns, "addr", "add", addr, "dev", dev);
      await ip(g.ns, "link", "set", dev, "up");
    };
    for (const g of guests) {
      await exec("ip", ["netns", "add", g.ns]);
      await ip(g.ns, "link", "set", "lo", "up");
      await link(g, "eth0", vpc, `10.0.1.${g.host}/24`, g.mac);
      await link(g, "eth2", vpc1000, `10.1.1.${g.host}/24`, g.mac);
      // The reference path: a plain bridge, no rules anywhere.
      await link(g, "eth1", br, `${g.lan}/24`);
      await ip(br, "link", "set", `b-${g.port}`, "master", "br0", "up");
    }
    // Routes for the ports now there.
    await applyVpc(plan(1, []));
    await applyVpc(plan(2, [...fillers(999), allow(1)]));
    const [client, server] = [new Agent(g1), new Agent(g2)];
    agents.push(client, server);
    await server.send({ op: "serve", port: 5001 });
    await server.send({ op: "serve", port: 5002 });

    // (a) rule change → enforced.
    const enforced: number[] = [];
    const applied: number[] = [];
    const nftOnly: number[] = [];
    const ruleset = vpcRuleset(plan(1, [allow(0)]));
    const [nsenter, ...prefix] = netnsExecPrefix(vpc);
    for (let i = 0; i < RUNS; i++) {
      await applyVpc(plan(1, []));
      const waiting = client.send<{ at: number; attempts: number }>({ op: "until", host: "10.0.1.5", port: 5001, stepMs: 5 });
      await sleep(30); // blocked attempts under way
      const t0 = now();
      await applyVpc(plan(1, [allow(0)]));
      applied.push(now() - t0);
      enforced.push((await waiting).at - t0);
    }
    // The floor for (a): loading the same ruleset alone with nft, as applyVpc does first.
    for (let i = 0; i < RUNS; i++) {
      const n0 = now();
      await new Promise<void>((resolve, reject) => {
        const nft = spawn(nsenter!, [...prefix, "nft", "-f", "-"], { stdio: ["pipe", "ignore", "inherit"] });
        nft.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`nft exited ${code}`))));
        nft.stdin.end(ruleset);
      });
      nftOnly.push(now() - n0);
    }

    // (b) throughput: bridge, VPC with 1 rule, VPC with 1,000 rules, alternated so drift hits all three alike.
    const gbps = { bridge: [] as number[], rules1: [] as number[], rules1000: [] as number[] };
    const blast = async (host: string): Promise<number> => {
      await client.send({ op: "blast", host, port: 5002, seconds: SECONDS });
      let r: { bytes: number; ms: number } | null = null;
      for (let i = 0; i < 50 && !r; i++) {
        r = await server.send<{ bytes: number; ms: number } | null>({ op: "received" });
        if (!r) await sleep(20);
      }
      return (r!.bytes * 8) / (r!.ms / 1000) / 1e9;
    };
    await applyVpc(plan(1, [allow(0)]));
    const paths = [
      { key: "bridge", host: "192.168.50.2" },
      { key: "rules1", host: "10.0.1.5" },
      { key: "rules1000", host: "10.1.1.5" },
    ] as const;
    for (let round = 0; round < ROUNDS; round++) {
      // A different order each round, so a busy moment of the machine does not always fall on the same path.
      for (let k = 0; k < paths.length; k++) {
        const p = paths[(round + k) % paths.length]!;
        gbps[p.key].push(await blast(p.host));
      }
    }

    const f = (n: number) => n.toFixed(1).padStart(8);
    console.log(`\nVPC data plane (this machine: ${(await exec("nproc")).stdout.trim()} CPUs; ${RUNS} runs, ${ROUNDS} rounds of ${SECONDS} s)`);
    console.log("(a) rule change -> enforced                     p50 ms   p99 ms");
    console.log(`    applyVpc call -> blocked connection accepted ${f(median(enforced))} ${f(quantile(enforced, 0.99))}`);
    console.log(`    applyVpc call -> returned                    ${f(median(applied))} ${f(quantile(applied, 0.99))}`);
    console.log(`    reference: nft -f of the same ruleset alone  ${f(median(nftOnly))} ${f(quantile(nftOnly, 0.99))}`);
    console.log("(b) guest-to-guest TCP, one stream              Gbit/s (median)   vs bridge");
    console.log(`    plain Linux bridge, no rules (reference)     ${f(median(gbps.bridge))}`);
    console.log(`    VPC router, security group of 1 rule         ${f(median(gbps.rules1))}          ${(median(gbps.rules1) / median(gbps.bridge)).toFixed(2)}x`);
    console.log(`    VPC router, security group of 1,000 rules    ${f(median(gbps.rules1000))}          ${(median(gbps.rules1000) / median(gbps.bridge)).toFixed(2)}x`);
    const ratios = (xs: number[]) => median(xs.map((x, i) => x / gbps.bridge[i]!)).toFixed(2);
    console.log(`    median of each round's ratio to its bridge run: 1 rule ${ratios(gbps.rules1)}x, 1,000 rules ${ratios(gbps.rules1000)}x`);
    console.log(`    every round (bridge / 1 / 1,000): ${gbps.bridge.map((_, i) => [gbps.bridge[i], gbps.rules1[i], gbps.rules1000[i]].map((x) => x!.toFixed(1)).join(" / ")).join(";  ")}`);
    if (JSON_OUT) {
      const spread = (xs: number[]): Spread => ({ p50: median(xs), p99: quantile(xs, 0.99) });
      const perRound = (xs: number[]) => median(xs.map((x, i) => x / gbps.bridge[i]!));
      const figures: VpcDataplaneFigures = {
        cpus: Number((await exec("nproc")).stdout.trim()),
        runs: RUNS,
        rounds: ROUNDS,
        seconds: SECONDS,
        ruleChange: { enforcedMs: spread(enforced), appliedMs: spread(applied), nftOnlyMs: spread(nftOnly) },
        throughputGbps: gbps,
        medianGbps: { bridge: median(gbps.bridge), rules1: median(gbps.rules1), rules1000: median(gbps.rules1000) },
        ratio: { rules1: median(gbps.rules1) / median(gbps.bridge), rules1000: median(gbps.rules1000) / median(gbps.bridge) },
        perRoundRatio: { rules1: perRound(gbps.rules1), rules1000: perRound(gbps.rules1000) },
      };
      fs.writeFileSync(JSON_OUT, JSON.stringify(figures) + "\n");
    }
  } finally {
    for (const a of agents) a.close();
    await teardownVpcHost(scope).catch((e: Error) => console.error(`teardown: ${e.message}`));
    for (const n of [g1, g2, br]) await exec("ip", ["netns", "del", n]).catch(() => {});
  }
}

async function main(): Promise<void> {
  if (INSIDE) return inside(INSIDE);
  if (process.getuid?.() !== 0) {
    console.error("vpc-dataplane bench: skipped: needs root (ip netns, nft)");
    return;
  }
  const tag = randomBytes(3).toString("hex");
  const hive = `hive-b-${tag}-h`;
  await exec("ip", ["netns", "add", hive]);
  try {
    await exec("ip", ["-n", hive, "link", "set", "lo", "up"]);
    // The data plane runs where hive would: in a namespace of its own (nsenter --net only, so the namespaces it names are
    // visible to everyone).
    const child = spawn("nsenter", [`--net=/run/netns/${hive}`, "--", process.execPath, "--import", "tsx", "bench/vpc-dataplane.bench.ts"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, HIVE_VPC_BENCH_TAG: tag },
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    if (code !== 0) process.exitCode = 1;
  } finally {
    await exec("ip", ["netns", "del", hive]).catch(() => {});
  }
}

await main();
