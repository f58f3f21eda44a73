// DescribeInstances split into its stages in one process, with no network: store → views → bus JSON → merge → XML.
// Says where server time goes without a profiler; `npm run bench` runs it with `--stages`, or alone:
//   tsx bench/describe-stages.ts [records…]   (Node)     bun bench/describe-stages.ts [records…]   (Bun, as the binary)
import { decodeJson, encodeJson, type ActionRequest } from "../src/bus/index.ts";
import { codecFor } from "../src/api/codec/index.ts";
import { catalogue } from "../src/actions/index.ts";
import { mergeReplies } from "../src/api/fanout-merge.ts";
import type { DaemonContext } from "../src/daemon/index.ts";
import { describeInstances, instanceDeps, type InstanceManager } from "../src/daemon/instances/index.ts";
import { openStore } from "../src/store/index.ts";
import { seedInstances } from "./seed.ts";

export interface StageFigures {
  records: number;
  xmlBytes: number;
  busBytes: number;
  /** Median milliseconds per stage. */
  ms: Record<"handler" | "busEncode" | "busDecode" | "merge" | "xml" | "total" | "plainEncode" | "plainDecode", number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function describeStages(sizes = [100, 1000, 10_000], runs = 9): Promise<StageFigures[]> {
  const store = await openStore(":memory:");
  const deps = instanceDeps({} as DaemonContext, store, {} as InstanceManager);
  const travel = catalogue.ec2.DescribeInstances.travel;
  const codec = codecFor("ec2");
  const out: StageFigures[] = [];
  let have = 0;
  for (const n of sizes) {
    seedInstances(store, have, n, { node: "node-1", az: "us-east-1a", ownerId: "123456789012" });
    have = n;
    const t: Record<keyof StageFigures["ms"], number[]> = { handler: [], busEncode: [], busDecode: [], merge: [], xml: [], total: [], plainEncode: [], plainDecode: [] };
    let xmlBytes = 0;
    let busBytes = 0;
    for (let i = 0; i < runs; i++) {
      const input = codec.parseInput("DescribeInstances", []);
      const req: ActionRequest<any> = { requestId: "r", caller: { accountId: "123456789012", arn: "", userId: "" } as any, region: "us-east-1", input, nodes: 1 };
      const t0 = performance.now();
      const output = describeInstances(req, deps);
      const t1 = performance.now();
      const bytes = encodeJson({ ok: true, node: "node-1", output });
      const t2 = performance.now();
      const reply = decodeJson<{ output: Record<string, unknown> }>(bytes);
      const t3 = performance.now();
      const merged = mergeReplies(travel, [reply.output], input);
      const t4 = performance.now();
      const xml = codec.serializeOutput("DescribeInstances", merged, "0000-request-id");
      const t5 = performance.now();
      t.handler.push(t1 - t0);
      t.busEncode.push(t2 - t1);
      t.busDecode.push(t3 - t2);
      t.merge.push(t4 - t3);
      t.xml.push(t5 - t4);
      t.total.push(t5 - t0);
      // For reference, not part of the path: the same reply through JSON with no replacer and no reviver.
      const p0 = performance.now();
      const text = JSON.stringify({ ok: true, node: "node-1", output });
      const p1 = performance.now();
      JSON.parse(text);
      t.plainEncode.push(p1 - p0);
      t.plainDecode.push(performance.now() - p1);
      xmlBytes = Buffer.byteLength(xml);
      busBytes = bytes.length;
    }
    out.push({ records: n, xmlBytes, busBytes, ms: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as StageFigures["ms"] });
  }
  store.close();
  return out;
}

export function formatStages(figures: StageFigures[], runtime: string): string[] {
  const lines = [`DescribeInstances stages in one process (${runtime}, medians, ms): handler | bus JSON encode | decode | merge | XML | total  [plain JSON encode | decode]`];
  for (const f of figures) {
    const m = f.ms;
    lines.push(
      `  ${String(f.records).padStart(6)} records: ${[m.handler, m.busEncode, m.busDecode, m.merge, m.xml, m.total].map((x) => x.toFixed(1).padStart(7)).join(" |")}` +
        `  [${m.plainEncode.toFixed(1).padStart(6)} |${m.plainDecode.toFixed(1).padStart(6)}]` +
        `   (bus ${(f.busBytes / 1e6).toFixed(1)} MB, XML ${(f.xmlBytes / 1e6).toFixed(1)} MB, ${(f.xmlBytes / f.records / 1024).toFixed(2)} KiB per instance)`,
    );
  }
  return lines;
}

if (process.argv[1]?.endsWith("describe-stages.ts")) {
  const sizes = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number).filter((n) => n > 0);
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "Bun" : "Node";
  const figures = await describeStages(sizes.length ? sizes : undefined);
  console.log(process.argv.includes("--json") ? JSON.stringify(figures) : formatStages(figures, runtime).join("\n"));
}
