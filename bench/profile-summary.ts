// Summarises a .cpuprofile (V8/Bun format): self time by function and by file, the top of each.
//   tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import fs from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarise(profile: Profile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(src|node_modules|bench|test)\//, "$1/") : "(native)";
    const fn = `${f.functionName || "(anonymous)"}  ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    total += us;
  }
  // Native frames (JSON.parse, Array.prototype.join, SQLite) charged to the nearest script frame that called them.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byCaller = new Map<string, number>();
  for (const [id, us] of self) {
    let n = byId.get(id)!;
    const native = n.callFrame.url ? "" : `${n.callFrame.functionName || "(native)"} in `;
    while (!n.callFrame.url && parent.has(n.id)) n = byId.get(parent.get(n.id)!)!;
    const f = n.callFrame;
    const key = `${native}${f.functionName || "(anonymous)"}  ${f.url ? f.url.replace(/^.*\/(src|node_modules|bench|test)\//, "$1/") + `:${f.lineNumber + 1}` : "(root)"}`;
    byCaller.set(key, (byCaller.get(key) ?? 0) + us);
  }
  const idle = [...byFn].filter(([k]) => /^\((idle|program|garbage collector)\)/.test(k)).reduce((a, [, v]) => a + v, 0);
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / (total - idle || 1)).toFixed(1).padStart(5)}%  ${k}`);
  return [
    `${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy (percentages of busy)`,
    "self time by function:",
    ...rows(byFn),
    "self time, native calls charged to their script caller:",
    ...rows(byCaller),
    "self time by file:",
    ...rows(byFile),
  ];
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
  console.log(summarise(JSON.parse(fs.readFileSync(file, "utf8")) as Profile, Number(process.argv[3] ?? 25)).join("\n"));
}
