// `hive image import`: hands a disk image (file or URL) to the running appliance and follows the import to its end;
// `hive image publish` / `unpublish`: the public parameters (/aws/service/...) that name an image for SSM clients.
import fs from "node:fs";
import path from "node:path";
import { adminGet, adminPost } from "../api/index.ts";
import { adminTarget } from "./admin-target.ts";

export interface ImageImportFlags {
  name: string;
  description?: string;
  /** Publishes /aws/service/hive/<alias>/latest for the image. */
  alias?: string[];
  /** Public parameter names (/aws/service/...) to point at the image. */
  publish?: string[];
}

/** A public parameter and the image it names, as the appliance answers. */
export interface Published {
  name: string;
  imageId: string;
  version: number;
}

/** Where `--alias <name>` publishes: the /aws/service/<vendor>/<name>/latest shape of AWS's own aliases. */
export const aliasName = (alias: string): string => `/aws/service/hive/${alias}/latest`;

/** The names an import publishes: its aliases' and those given whole, each once. */
export const publishNames = (flags: Pick<ImageImportFlags, "alias" | "publish">): string[] => [
  ...new Set([...(flags.alias ?? []).map(aliasName), ...(flags.publish ?? [])]),
];

interface Progress {
  imageId: string;
  state: string;
  phase?: string;
  percent: number;
  error?: string;
}

const POLL_MS = 250;
const BAR = 30;

/** A URL stays as given; a local file becomes an absolute path, checked here so the error names the user's path. */
export function resolveSource(source: string): string {
  if (/^https?:\/\//i.test(source)) return source;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new Error(`${source}: only local files and http(s) URLs can be imported`);
  const abs = path.resolve(source);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
    fs.accessSync(abs, fs.constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${source}: no such file` : `${source}: cannot read it (${code ?? String(err)})`);
  }
  if (!st.isFile()) throw new Error(`${source}: not a regular file`);
  return abs;
}

/** Draws progress on stderr: a redrawn bar on a terminal, else a line per phase change and per 10%. */
function progressView(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let lastPhase = "";
  let lastTenth = -1;
  let drawn = false;
  return {
    show(p: Progress) {
      if (!p.phase) return;
      const pct = Math.floor(p.percent);
      if (tty) {
        const filled = Math.round((pct / 100) * BAR);
        drawn = true;
        stream.write(`\r[${"#".repeat(filled)}${".".repeat(BAR - filled)}] ${String(pct).padStart(3)}% ${p.phase.padEnd(8)}`);
        return;
      }
      const tenth = Math.floor(pct / 10);
      if (p.phase !== lastPhase || tenth !== lastTenth) stream.write(`${p.phase} ${pct}%\n`);
      lastPhase = p.phase;
      lastTenth = tenth;
    },
    end() {
      // Clear the bar so the terminal is left as it was; the AMI id goes to stdout.
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the import, follows it, and returns the AMI id; throws with the daemon's reason when it fails. */
export async function importImageCli(dataDir: string, source: string, flags: ImageImportFlags, stderr = process.stderr): Promise<string> {
  const resolved = resolveSource(source);
  const target = adminTarget(dataDir);
  const publish = publishNames(flags);
  const { imageId } = (await adminPost(target, "/images", {
    source: resolved,
    name: flags.name,
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    // The appliance points them at the image once it is available.
    ...(publish.length > 0 ? { publish } : {}),
  })) as { imageId: string };
  const view = progressView(stderr);
  try {
    for (;;) {
      const p = (await adminGet(target, `/images/${imageId}/progress`)) as Progress;
      view.show(p);
      if (p.state === "available") return imageId;
      if (p.state !== "pending") throw new Error(`import of ${imageId} failed: ${p.error ?? p.state}`);
      await sleep(POLL_MS);
    }
  } finally {
    view.end();
  }
}

/** Points a public parameter name at an image (re-pointing a name counts its version on). */
export async function publishImageCli(dataDir: string, imageId: string, name: string): Promise<Published> {
  return (await adminPost(adminTarget(dataDir), "/images/publish", { imageId, name })) as Published;
}

/** Takes a public parameter name away; answers what it named. */
export async function unpublishImageCli(dataDir: string, name: string): Promise<Published> {
  return (await adminPost(adminTarget(dataDir), "/images/unpublish", { name })) as Published;
}
