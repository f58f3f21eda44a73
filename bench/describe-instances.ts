// DescribeInstances at 100 / 1,000 / 10,000 instance records: server time (a raw signed HTTPS request, time to last byte,
// no SDK) next to @aws-sdk/client-ec2's time, pages (MaxResults with NextToken), and DescribeRegions as the reference.
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { openStore } from "../src/store/index.ts";
import { ec2Client, startHive, type HiveInstance } from "../test/helpers/hive.ts";
import { signedForm } from "../test/helpers/sign.ts";
import { seedInstances } from "./seed.ts";

export interface Quantiles {
  p50ms: number;
  p90ms: number;
  runs: number;
  /** Runs that failed (a 503 when the daemon's reply outlasts the gateway's fan-out deadline), left out of the figures. */
  errors: number;
}

export interface DescribeInstancesFigures {
  records: number;
  xmlBytes: number;
  raw: Quantiles;
  sdk: Quantiles;
  /** The first page of 100 and of 1,000, and a walk over every page of 1,000 with NextToken. */
  page100: Quantiles;
  page1000: Quantiles;
  walk1000: { pages: number; totalMs: number };
  /** DescribeRegions over the same connection in the same process: what an action with a small answer costs. */
  regions: Quantiles;
}

const quantiles = (xs: number[], errors = 0): Quantiles => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50ms: q(0.5), p90ms: q(0.9), runs: s.length, errors };
};

/** Times fn into `into`; a failure counts in `errors` instead. */
async function sample(into: number[], errors: Map<number[], number>, fn: () => Promise<number>): Promise<void> {
  try {
    into.push(await fn());
  } catch {
    errors.set(into, (errors.get(into) ?? 0) + 1);
  }
}

/** One signed POST over a keep-alive connection; the time runs from sending to the response's last byte. */
async function timedRequest(hive: HiveInstance, agent: https.Agent, body: string): Promise<{ ms: number; text: string }> {
  const signed = await signedForm({ endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey }, body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t0 = performance.now();
    const req = https.request(hive.endpoint + "/", { method: "POST", agent, headers: { ...signed.headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve({ ms, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const count = (text: string, needle: string): number => {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
};

const DESCRIBE = "Action=DescribeInstances&Version=2016-11-15";
const nextToken = (xml: string): string | undefined => /<nextToken>([^<]+)<\/nextToken>/.exec(xml)?.[1];

/** Runs per size: enough for a stable median, bounded so that the whole benchmark stays within a minute or two. */
const runsFor = (records: number) => (records >= 10_000 ? 7 : records >= 1000 ? 15 : 30);

export async function describeInstancesBench(sizes = [100, 1000, 10_000]): Promise<DescribeInstancesFigures[]> {
  const hive = await startHive();
  const config = JSON.parse(fs.readFileSync(path.join(hive.dataDir, "config.json"), "utf8"));
  const store = await openStore(path.join(hive.dataDir, "hive.db"));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: hive.ca });
  const client = ec2Client(hive);
  const out: DescribeInstancesFigures[] = [];
  try {
    let have = 0;
    for (const records of sizes) {
      seedInstances(store, have, records, { node: config.node, az: config.az, ownerId: config.accountId });
      have = records;
      const runs = runsFor(records);
      process.stderr.write(`DescribeInstances: ${records} records seeded, measuring ${runs} runs\n`);
      // One warm-up of each kind, not counted.
      const first = await timedRequest(hive, agent, DESCRIBE);
      const seen = count(first.text, "<instanceId>");
      if (seen !== records) throw new Error(`DescribeInstances answered ${seen} instances, expected ${records}`);
      await client.send(new DescribeInstancesCommand({})).catch(() => undefined);

      const raw: number[] = [];
      const sdk: number[] = [];
      const regions: number[] = [];
      const page100: number[] = [];
      const page1000: number[] = [];
      const errors = new Map<number[], number>();
      for (let i = 0; i < runs; i++) {
        await sample(raw, errors, async () => (await timedRequest(hive, agent, DESCRIBE)).ms);
        await sample(sdk, errors, async () => {
          const t0 = performance.now();
          await client.send(new DescribeInstancesCommand({}));
          return performance.now() - t0;
        });
        await sample(regions, errors, async () => (await timedRequest(hive, agent, "Action=DescribeRegions&Version=2016-11-15")).ms);
        await sample(page100, errors, async () => (await timedRequest(hive, agent, `${DESCRIBE}&MaxResults=100`)).ms);
        await sample(page1000, errors, async () => (await timedRequest(hive, agent, `${DESCRIBE}&MaxResults=1000`)).ms);
      }
      const q = (xs: number[]) => quantiles(xs, errors.get(xs));
      // Every page of 1,000, following NextToken, must together list each instance once.
      let pages = 0;
      let listed = 0;
      let token: string | undefined;
      const w0 = performance.now();
      do {
        const r = await timedRequest(hive, agent, `${DESCRIBE}&MaxResults=1000${token ? `&NextToken=${encodeURIComponent(token)}` : ""}`);
        pages++;
        listed += count(r.text, "<instanceId>");
        token = nextToken(r.text);
      } while (token);
      const walkMs = performance.now() - w0;
      if (listed !== records) throw new Error(`pages of 1,000 listed ${listed} instances, expected ${records}`);
      out.push({
        records,
        xmlBytes: Buffer.byteLength(first.text),
        raw: q(raw),
        sdk: q(sdk),
        page100: q(page100),
        page1000: q(page1000),
        walk1000: { pages, totalMs: walkMs },
        regions: q(regions),
      });
    }
    return out;
  } finally {
    agent.destroy();
    client.destroy();
    store.close();
    await hive.stop();
  }
}

export function formatDescribeInstances(figures: DescribeInstancesFigures[]): string[] {
  const ms = (q: Quantiles) => `${q.p50ms.toFixed(1).padStart(7)} / ${q.p90ms.toFixed(1).padStart(7)}${q.errors ? ` (${q.errors} failed)` : ""}`;
  const lines = ["DescribeInstances (p50 / p90 ms; server = raw signed HTTPS, time to last byte; one client, keep-alive)"];
  lines.push("  records   server            SDK               SDK/server  per record  page of 100       page of 1000      all pages of 1000   DescribeRegions");
  for (const f of figures) {
    lines.push(
      `  ${String(f.records).padStart(7)}  ${ms(f.raw)}  ${ms(f.sdk)}  ${(f.sdk.p50ms / f.raw.p50ms).toFixed(1).padStart(9)}x  ${((f.raw.p50ms * 1000) / f.records).toFixed(1).padStart(7)} µs` +
        `  ${ms(f.page100)}  ${ms(f.page1000)}  ${f.walk1000.totalMs.toFixed(0).padStart(6)} ms (${String(f.walk1000.pages).padStart(2)} pages)  ${ms(f.regions)}`,
    );
  }
  const last = figures[figures.length - 1];
  if (last) lines.push(`  ${(last.xmlBytes / last.records / 1024).toFixed(2)} KiB of XML per instance`);
  return lines;
}

if (process.argv[1]?.endsWith("describe-instances.ts")) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log(formatDescribeInstances(await describeInstancesBench(sizes.length ? sizes : undefined)).join("\n"));
}
