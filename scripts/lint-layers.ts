// Checks the layering of src/: each folder imports only the folders below it, and only through their index.ts.
import fs from "node:fs";
import path from "node:path";

const SRC = path.resolve(import.meta.dirname, "..", "src");

/** Who may import whom (see ARCHITECTURE.md). `main` is src/main.ts. */
const ALLOWED: Record<string, string[]> = {
  main: ["cli"],
  cli: ["appliance", "api", "config", "runtime"],
  appliance: ["api", "bus", "daemon", "ebs", "images", "embedded-nats", "net", "store", "vm", "config", "errors", "runtime"],
  api: ["bus", "errors", "runtime"],
  daemon: ["bus", "vm", "ebs", "images", "metadata", "net", "store", "errors", "runtime"],
  metadata: ["errors", "runtime"],
  net: ["errors", "runtime"],
  bus: ["errors"],
  vm: ["qmp", "store", "errors", "runtime"],
  ebs: ["qmp", "bus", "images", "store", "errors", "runtime"],
  images: ["store", "errors", "runtime"],
  qmp: ["errors"],
  store: ["errors", "runtime"],
  "embedded-nats": ["runtime"],
  config: ["runtime"],
  errors: [],
  runtime: [],
};

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function* tsFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(full);
    else if (entry.name.endsWith(".ts")) yield full;
  }
}

const layerOf = (file: string): string => {
  const rel = path.relative(SRC, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0] : "main";
};

const problems: string[] = [];
for (const file of tsFiles(SRC)) {
  const from = layerOf(file);
  if (!(from in ALLOWED)) problems.push(`${path.relative(SRC, file)}: folder '${from}' is not in the layer table`);
  const text = fs.readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), spec);
    if (!target.startsWith(SRC + path.sep)) continue;
    const to = layerOf(target);
    if (to === from) continue;
    if (!(ALLOWED[from] ?? []).includes(to)) problems.push(`${path.relative(SRC, file)}: ${from} may not import ${to} (${spec})`);
    else if (path.relative(path.join(SRC, to), target) !== "index.ts") {
      problems.push(`${path.relative(SRC, file)}: import ${to} through its index.ts, not ${spec}`);
    }
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`layering: ${problems.length} problem(s)`);
  process.exit(1);
}
console.error("layering: ok");
