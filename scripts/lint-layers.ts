// `npm run lint`: checks src/ against the layer table in scripts/lint/rules.ts and prints one line per problem.
import path from "node:path";
import { lintTree, type Problem } from "./lint/check.ts";
import { RULES } from "./lint/rules.ts";

const started = performance.now();
const ROOT = path.resolve(import.meta.dirname, "..");
const cache = process.argv.includes("--no-cache") ? undefined : path.join(ROOT, "node_modules", ".cache", "hive-lint-layers.json");
const { problems, files } = lintTree(path.join(ROOT, "src"), RULES, { cache });
const ms = Math.round(performance.now() - started);

const where = (p: Problem) => (p.line ? `${p.file}:${p.line}` : p.file);
for (const p of problems) console.error(`${where(p)}: ${p.message}`);

if (problems.length) {
  const byKind = new Map<string, number>();
  for (const p of problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(", ");
  console.error(`layering: ${problems.length} problem(s) in ${files} files (${kinds}); the table is scripts/lint/rules.ts [${ms} ms]`);
  process.exit(1);
}
console.error(`layering: ok, ${files} files [${ms} ms]`);
