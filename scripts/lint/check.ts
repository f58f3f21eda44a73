// Checks a source tree against a layer table: rooms and their index.ts, packages in their room, import cycles.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import type * as TS from "typescript";
import type { PackageRule, Rules } from "./rules.ts";

// Loaded on first use (a warm cache needs no parser), and with require, not import: importing this 9 MB
// CommonJS file from ESM makes Node scan it for named exports first, which costs seconds.
let tsModule: typeof TS | undefined;
const typescript = (): typeof TS => (tsModule ??= createRequire(import.meta.url)("typescript") as typeof TS);

export type ProblemKind = "rules" | "room" | "index" | "package" | "unchecked" | "unresolved" | "cycle";

export interface Problem {
  /** Path as shown, relative to the folder above the source tree ("src/api/admin.ts"). */
  file: string;
  line?: number;
  kind: ProblemKind;
  message: string;
}

export interface LintResult {
  problems: Problem[];
  /** How many .ts files were read. */
  files: number;
}

/** One module reference found in a file. */
export interface FoundImport {
  specifier: string;
  line: number;
  /** Erased at run time: `import type`, `export type`, or a type position `import("x").T`. */
  typeOnly: boolean;
  form: "import" | "side-effect" | "export" | "dynamic" | "require" | "type";
}

/** A dynamic import whose specifier is not a string we can read. */
export interface UncheckedImport {
  line: number;
  text: string;
}

export interface FileImports {
  imports: FoundImport[];
  unchecked: UncheckedImport[];
}

/** Every module reference in one file, read from its syntax tree so comments and strings cannot fool it. */
export function findImports(fileName: string, text: string): FileImports {
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const imports: FoundImport[] = [];
  const unchecked: UncheckedImport[] = [];
  const lineOf = (node: TS.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (node: TS.Node, specifier: string, typeOnly: boolean, form: FoundImport["form"]) =>
    imports.push({ specifier, line: lineOf(node), typeOnly, form });

  // `const X = "bun:sqlite"; await import(X)` names its module as plainly as a literal does, so read it.
  const consts = new Map<string, string>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.initializer && ts.isStringLiteralLike(d.initializer)) consts.set(d.name.text, d.initializer.text);
    }
  }

  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      add(node, node.moduleSpecifier.text, !!clause?.isTypeOnly, clause ? "import" : "side-effect");
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly, "export");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteralLike(e)) add(node, e.text, node.isTypeOnly, "require");
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(node, arg.literal.text, true, "type");
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) add(node, arg.text, false, "dynamic");
      else if (arg && ts.isIdentifier(arg) && consts.has(arg.text)) add(node, consts.get(arg.text)!, false, "dynamic");
      else unchecked.push({ line: lineOf(node), text: node.getText(sf).replace(/\s+/g, " ").slice(0, 80) });
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "require" &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0].text, false, "require");
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, unchecked };
}

/** Does a rule entry ("daemon", "daemon/**") cover this room? */
const covers = (pattern: string, room: string): boolean =>
  pattern.endsWith("/**") ? room === pattern.slice(0, -3) || room.startsWith(pattern.slice(0, -2)) : room === pattern;

const mayImport = (rules: Rules, from: string, to: string): boolean => (rules.rooms[from] ?? []).some((p) => covers(p, to));

/** The room of a path relative to src (posix): its most specific row, "main" for files directly in src. */
export function roomOf(rules: Rules, rel: string): string | undefined {
  const parts = rel.split("/").slice(0, -1);
  if (parts.length === 0) return "main";
  for (let i = parts.length; i > 0; i--) {
    const key = parts.slice(0, i).join("/");
    if (key in rules.rooms) return key;
  }
  return undefined;
}

/** The package a bare specifier names: "@aws-sdk/client-ec2/dist" → "@aws-sdk/client-ec2", "bun:sqlite" as is. */
const packageName = (spec: string): string => {
  if (spec.includes(":")) return spec;
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

const packageRule = (rules: Rules, name: string): PackageRule | undefined =>
  rules.packages[name] ?? (name.startsWith("@") ? rules.packages[`${name.split("/")[0]}/*`] : undefined);

const BUILTINS = new Set(builtinModules);

function walk(dir: string, files: string[], dirs: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      dirs.push(full);
      walk(full, files, dirs);
    } else if (entry.isFile() && entry.name.endsWith(".ts")) files.push(full);
  }
}

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The file a relative specifier loads, as the bundler resolution in tsconfig.json would find it. */
const resolveFile = (abs: string): string | undefined =>
  [abs, `${abs}.ts`, path.join(abs, "index.ts")].find(isFile);

/** The layer table's own mistakes: rows naming rooms that have no row, and rooms that may import each other. */
export function checkRules(rules: Rules): Problem[] {
  const problems: Problem[] = [];
  const known = (p: string) => (p.endsWith("/**") ? p.slice(0, -3) : p) in rules.rooms;
  for (const [room, allowed] of Object.entries(rules.rooms)) {
    for (const p of allowed) {
      if (!known(p)) problems.push({ file: "rules", kind: "rules", message: `room ${room} may import '${p}', which has no row` });
    }
  }
  for (const [pkg, rule] of Object.entries(rules.packages)) {
    for (const p of rule.rooms) {
      if (!known(p)) problems.push({ file: "rules", kind: "rules", message: `package ${pkg} is allowed in '${p}', which has no row` });
    }
  }
  const rooms = Object.keys(rules.rooms);
  const edges = new Map(rooms.map((r) => [r, rooms.filter((to) => to !== r && mayImport(rules, r, to))]));
  for (const { loop } of cycles(edges)) {
    problems.push({ file: "rules", kind: "rules", message: `rooms may import each other: ${loop.join(" → ")}` });
  }
  return problems;
}

/**
 * Checks every .ts file under srcDir against rules:
 * - every folder in a divided folder (src/ itself, or one with sub-folder rows) has a row;
 * - a room imports only the rooms its row names, and another room only through that room's index.ts;
 * - a dynamic import() names its module plainly (a template literal or expression can't be checked);
 * - a package is imported only in the rooms its row names (type-only where the row says so);
 * - no import cycles between files.
 */
export function lintTree(srcDir: string, rules: Rules, options: { cache?: string } = {}): LintResult {
  srcDir = path.resolve(srcDir);
  const base = path.dirname(srcDir);
  const show = (abs: string) => path.relative(base, abs).split(path.sep).join("/");
  const relSrc = (abs: string) => path.relative(srcDir, abs).split(path.sep).join("/");
  const problems: Problem[] = checkRules(rules);

  const files: string[] = [];
  const dirs: string[] = [];
  walk(srcDir, files, dirs);
  files.sort();

  const rowKeys = Object.keys(rules.rooms);
  for (const dir of dirs.sort()) {
    const rel = relSrc(dir);
    if (rel in rules.rooms) continue;
    const parent = path.posix.dirname(rel);
    const divided = parent === "." || rowKeys.some((k) => k.startsWith(`${parent}/`));
    if (divided) problems.push({ file: `${show(dir)}/`, kind: "room", message: `folder has no row in the layer table (scripts/lint/rules.ts)` });
  }

  // The run-time import graph between files. Type-only imports are left out: they are erased when the
  // code is compiled, so they cannot cause a module to load half-initialised. Dynamic import() edges count.
  const graph = new Map<string, Set<string>>(files.map((f) => [f, new Set<string>()]));
  const cache = new ImportCache(options.cache);

  for (const file of files) {
    const shown = show(file);
    const from = roomOf(rules, relSrc(file));
    const { imports, unchecked } = cache.imports(file);
    for (const u of unchecked) {
      problems.push({ file: shown, line: u.line, kind: "unchecked", message: `import() with a computed specifier can't be checked; name the module in a string literal: ${u.text}` });
    }
    if (from === undefined) continue; // its folder is reported above
    for (const imp of imports) {
      const at = { file: shown, line: imp.line };
      const spec = imp.specifier;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const abs = path.resolve(path.dirname(file), spec);
        if (abs !== srcDir && !abs.startsWith(srcDir + path.sep)) {
          const outside = path.relative(base, abs).split(path.sep).join("/");
          if (!(rules.outside?.[outside] ?? []).some((p) => covers(p, from))) {
            problems.push({ ...at, kind: "room", message: `${from} may not reach outside src/ for ${outside} ("${spec}")` });
          }
          continue;
        }
        const target = resolveFile(abs);
        if (!target) {
          problems.push({ ...at, kind: "unresolved", message: `"${spec}" does not name a file` });
          continue;
        }
        if (!imp.typeOnly) graph.get(file)?.add(target);
        const to = roomOf(rules, relSrc(target));
        if (to === undefined || to === from) continue;
        if (!mayImport(rules, from, to)) {
          problems.push({ ...at, kind: "room", message: `${from} may not import ${to} ("${spec}"${imp.form === "side-effect" ? ", a side-effect import" : ""})` });
        } else if (target !== path.join(srcDir, to, "index.ts")) {
          problems.push({ ...at, kind: "index", message: `import ${to} through its index.ts, not "${spec}"` });
        }
      } else if (spec.startsWith("node:")) {
        continue;
      } else if (BUILTINS.has(spec.split("/")[0])) {
        problems.push({ ...at, kind: "package", message: `write "node:${spec}" for the Node builtin` });
      } else {
        const name = packageName(spec);
        const rule = packageRule(rules, name);
        if (!rule) {
          problems.push({ ...at, kind: "package", message: `package ${name} has no row in the package table (scripts/lint/rules.ts)` });
        } else if (!rule.rooms.some((p) => covers(p, from))) {
          problems.push({ ...at, kind: "package", message: `package ${name} belongs in ${rule.rooms.join(", ")}, not ${from}${imp.typeOnly ? " (even as import type)" : ""}` });
        } else if (rule.typeOnly && !imp.typeOnly) {
          problems.push({ ...at, kind: "package", message: `package ${name} may only be imported with \`import type\` (it must not load at run time)` });
        }
      }
    }
  }

  cache.save(srcDir);
  for (const { loop, rest } of cycles(graph)) {
    const also = rest.length ? ` (${rest.length} more file(s) in the same tangle: ${rest.map(show).join(", ")})` : "";
    problems.push({ file: show(loop[0]), kind: "cycle", message: `import cycle: ${loop.map(show).join(" → ")}${also}` });
  }
  return { problems, files: files.length };
}

/**
 * What findImports said about each file, keyed by a hash of the file's text and of this checker's own source,
 * so an edit to either starts afresh. Parsing every file cold is most of the lint's time; a warm run parses
 * only what changed.
 */
class ImportCache {
  private readonly version = createHash("sha1").update(fs.readFileSync(new URL(import.meta.url))).digest("hex");
  private entries: Record<string, { hash: string } & FileImports> = {};
  private readonly seen = new Set<string>();
  private dirty = false;

  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const stored = JSON.parse(fs.readFileSync(file, "utf8"));
      if (stored.version === this.version) this.entries = stored.entries;
    } catch {
      // no cache yet, or an unreadable one: parse everything
    }
  }

  imports(file: string): FileImports {
    const text = fs.readFileSync(file, "utf8");
    const hash = createHash("sha1").update(text).digest("hex");
    this.seen.add(file);
    const hit = this.entries[file];
    if (hit?.hash === hash) return hit;
    const found = findImports(file, text);
    this.entries[file] = { hash, ...found };
    this.dirty = true;
    return found;
  }

  /** Writes the cache, dropping files under srcDir that are gone (other trees' entries stay). */
  save(srcDir: string): void {
    for (const key of Object.keys(this.entries)) {
      if (key.startsWith(srcDir + path.sep) && !this.seen.has(key)) {
        delete this.entries[key];
        this.dirty = true;
      }
    }
    if (!this.file || !this.dirty) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, JSON.stringify({ version: this.version, entries: this.entries }));
    } catch {
      // a cache that cannot be written only costs time
    }
  }
}

/** A path that starts and ends at the same node, and the rest of its strongly connected component. */
export interface Cycle {
  loop: string[];
  rest: string[];
}

/** One cycle per strongly connected component (Tarjan), the shortest through its first member. */
export function cycles(graph: Map<string, Iterable<string>>): Cycle[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;

  const strongConnect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);

  const result: Cycle[] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const selfLoop = [...(graph.get(start) ?? [])].includes(start);
    if (component.length === 1 && !selfLoop) continue;
    // Shortest way back to start inside the component (breadth first).
    const prev = new Map<string, string>();
    const queue = [start];
    let found = selfLoop ? start : undefined;
    while (!found && queue.length) {
      const v = queue.shift()!;
      for (const w of [...(graph.get(v) ?? [])].sort()) {
        if (!members.has(w)) continue;
        if (w === start) {
          found = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const loop = [start];
    for (let v = found!; v !== start; v = prev.get(v)!) loop.splice(1, 0, v);
    loop.push(start);
    result.push({ loop, rest: component.filter((m) => !loop.includes(m)).sort() });
  }
  return result;
}
