// Compiles src/main.ts into one executable, dist/hive, with Debian's nats-server embedded in it.
// Run with Bun: `bun build.ts` (npm run build).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = import.meta.dir;
const buildDir = path.join(root, "build");
const outfile = path.join(root, "dist", "hive");

function findNatsServer(): string {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    const candidate = path.join(dir, "nats-server");
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  throw new Error("nats-server not found: install Debian's package first (apt-get install nats-server)");
}

fs.mkdirSync(buildDir, { recursive: true });
fs.copyFileSync(findNatsServer(), path.join(buildDir, "nats-server"));
// The generated entry hands the embedded file's path to src/ before the CLI runs; src/ never imports build/.
fs.writeFileSync(
  path.join(buildDir, "entry.ts"),
  [
    `import natsServer from "./nats-server" with { type: "file" };`,
    `import { setEmbeddedNats } from "../src/embedded-nats/index.ts";`,
    `setEmbeddedNats(natsServer);`,
    `await import("../src/main.ts");`,
    ``,
  ].join("\n"),
);

fs.mkdirSync(path.dirname(outfile), { recursive: true });
const started = performance.now();
execFileSync(
  process.execPath,
  ["build", "--compile", "--minify-syntax", "--external", "better-sqlite3", "--external", "@hono/node-server", path.join(buildDir, "entry.ts"), "--outfile", outfile],
  { stdio: "inherit", cwd: root },
);
const size = fs.statSync(outfile).size;
console.log(`built ${path.relative(root, outfile)} (${(size / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
