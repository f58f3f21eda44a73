// The layering lint on small fixture trees: rooms, index.ts, every import form, packages in their room, cycles.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { checkRules, lintTree, type Problem } from "../../scripts/lint/check.ts";
import { RULES, type Rules } from "../../scripts/lint/rules.ts";

const rules: Rules = {
  rooms: {
    main: ["api"],
    api: ["bus", "errors"],
    daemon: ["bus", "errors", "daemon/shared", "daemon/instances"],
    "daemon/instances": ["errors", "daemon/shared"],
    "daemon/shared": ["errors"],
    "daemon/volumes": ["errors", "daemon/shared"], // no folder yet: fine
    bus: ["errors"],
    errors: [],
  },
  packages: {
    nats: { rooms: ["bus"] },
    "@aws-sdk/*": { rooms: ["daemon/**", "api"], typeOnly: true },
  },
};

/** A clean tree; each test adds or overwrites files to break one thing. */
const clean: Record<string, string> = {
  "main.ts": `import { serve } from "./api/index.ts";\nserve();\n`,
  "api/index.ts": `export { serve } from "./server.ts";\n`,
  "api/server.ts": `import { publish } from "../bus/index.ts";\nimport type { Instance } from "@aws-sdk/client-ec2";\nexport const serve = (i?: Instance) => publish(String(i));\n`,
  "bus/index.ts": `import { connect } from "nats";\nimport { HiveError } from "../errors/index.ts";\nexport const publish = (s: string) => { if (!s) throw new HiveError(); connect(); };\n`,
  "errors/index.ts": `// a comment that says import "../bus/index.ts" must not count\nexport class HiveError extends Error {}\nexport const text = 'import("../api/index.ts")';\n`,
  "daemon/index.ts": `export { start } from "./node-daemon.ts";\n`,
  "daemon/node-daemon.ts": `import { run } from "./instances/index.ts";\nimport { ids } from "./shared/index.ts";\nexport const start = () => run(ids());\n`,
  "daemon/instances/index.ts": `export { run } from "./run.ts";\n`,
  "daemon/instances/run.ts": `import { ids } from "../shared/index.ts";\nimport type { Tag } from "@aws-sdk/client-ec2";\nexport const run = (x: string, _t?: Tag) => x + ids();\n`,
  "daemon/shared/index.ts": `export { ids } from "./ids.ts";\n`,
  "daemon/shared/ids.ts": `export const ids = () => "i-0123456789abcdef0";\n`,
};

const roots: string[] = [];
after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

function lint(changes: Record<string, string> = {}): Problem[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hive-lint-"));
  roots.push(root);
  for (const [rel, text] of Object.entries({ ...clean, ...changes })) {
    const file = path.join(root, "src", rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return lintTree(path.join(root, "src"), rules).problems;
}

const lines = (problems: Problem[]) => problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);

test("passes a clean tree, whatever comments and strings say", () => {
  assert.deepEqual(lines(lint()), []);
});

test("reports an import cycle with its path", () => {
  const problems = lint({
    "daemon/shared/ids.ts": `import { tag } from "./tags.ts";\nexport const ids = () => tag;\n`,
    "daemon/shared/tags.ts": `import { ids } from "./ids.ts";\nexport const tag = "t";\nexport const again = ids;\n`,
  });
  assert.deepEqual(lines(problems), [
    "src/daemon/shared/ids.ts: import cycle: src/daemon/shared/ids.ts → src/daemon/shared/tags.ts → src/daemon/shared/ids.ts",
  ]);
});

test("leaves type-only imports out of cycles", () => {
  const problems = lint({
    "daemon/shared/ids.ts": `import type { Tag } from "./tags.ts";\nexport const ids = (_t?: Tag) => "i";\n`,
    "daemon/shared/tags.ts": `import { ids } from "./ids.ts";\nexport type Tag = string;\nexport const again = ids;\n`,
  });
  assert.deepEqual(lines(problems), []);
});

test("reports a side-effect import across layers", () => {
  const problems = lint({ "bus/index.ts": `import "../api/server.ts";\nexport const publish = (_s: string) => {};\n` });
  assert.ok(
    lines(problems).includes(`src/bus/index.ts:1: bus may not import api ("../api/server.ts", a side-effect import)`),
    lines(problems).join("\n"),
  );
});

test("reports an import() it cannot read, and checks one it can", () => {
  const problems = lint({
    "api/server.ts": [
      `const room = "daemon";`,
      `export const serve = async () => {`,
      "  await import(`../${room}/index.ts`);",
      `  await import("../daemon/index.ts");`,
      `};`,
    ].join("\n"),
  });
  assert.deepEqual(lines(problems), [
    "src/api/server.ts:3: import() with a computed specifier can't be checked; name the module in a string literal: import(`../${room}/index.ts`)",
    `src/api/server.ts:4: api may not import daemon ("../daemon/index.ts")`,
  ]);
});

test("keeps a package in its room", () => {
  const problems = lint({
    "api/server.ts": `import type { NatsConnection } from "nats";\nexport const serve = (_nc?: NatsConnection) => {};\n`,
  });
  assert.deepEqual(lines(problems), ["src/api/server.ts:1: package nats belongs in bus, not api (even as import type)"]);
});

test("allows a type-only package only through import type", () => {
  const problems = lint({
    "daemon/instances/run.ts": `import { EC2Client } from "@aws-sdk/client-ec2";\nexport const run = (x: string) => x + EC2Client.name;\n`,
    "bus/extra.ts": `import { vpc } from "left-pad";\nimport fs from "fs";\nexport const x = [vpc, fs];\n`,
  });
  assert.deepEqual(lines(problems), [
    "src/bus/extra.ts:1: package left-pad has no row in the package table (scripts/lint/rules.ts)",
    `src/bus/extra.ts:2: write "node:fs" for the Node builtin`,
    "src/daemon/instances/run.ts:1: package @aws-sdk/client-ec2 may only be imported with `import type` (it must not load at run time)",
  ]);
});

test("enters a sibling room only through its index.ts", () => {
  const problems = lint({
    "daemon/instances/run.ts": `import { ids } from "../shared/ids.ts";\nexport const run = (x: string) => x + ids();\n`,
  });
  assert.deepEqual(lines(problems), [`src/daemon/instances/run.ts:1: import daemon/shared through its index.ts, not "../shared/ids.ts"`]);
});

test("gives the most specific row to a file, and a daemon room no way back to the composition files", () => {
  const problems = lint({
    "daemon/shared/ids.ts": `import { start } from "../node-daemon.ts";\nexport const ids = () => String(start);\n`,
    "daemon/instances/run.ts": `export { ids as run } from "../shared/index.ts";\nexport * from "../../bus/index.ts";\n`,
  });
  const found = lines(problems);
  assert.ok(found.includes(`src/daemon/instances/run.ts:2: daemon/instances may not import bus ("../../bus/index.ts")`), found.join("\n"));
  assert.ok(found.includes(`src/daemon/shared/ids.ts:1: daemon/shared may not import daemon ("../node-daemon.ts")`), found.join("\n"));
  // shared → node-daemon → instances → shared closes a loop as well as breaking the table.
  assert.ok(found.some((l) => l.includes(": import cycle: ") && l.includes("src/daemon/node-daemon.ts → ")), found.join("\n"));
  assert.equal(found.length, 3, found.join("\n"));
});

test("reports a folder without a row where its siblings have rows", () => {
  const problems = lint({ "daemon/vpc/index.ts": `export const vpc = 1;\n`, "api/codec/xml.ts": `export const xml = 1;\n`, "store/index.ts": `export {};\n` });
  assert.deepEqual(lines(problems), [
    "src/daemon/vpc/: folder has no row in the layer table (scripts/lint/rules.ts)",
    "src/store/: folder has no row in the layer table (scripts/lint/rules.ts)",
  ]);
});

test("reports rooms that may import each other in the table itself", () => {
  const problems = checkRules({ rooms: { a: ["b"], b: ["c"], c: ["a"], d: ["nowhere"] }, packages: {} });
  assert.deepEqual(problems.map((p) => p.message), [
    "room d may import 'nowhere', which has no row",
    "rooms may import each other: a → b → c → a",
  ]);
});

test("Hive's own table has no room cycles and names only rooms it has", () => {
  assert.deepEqual(checkRules(RULES), []);
});
