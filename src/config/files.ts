// Small file helpers: atomic writes with an explicit mode, so a crash never leaves half a file.
import fs from "node:fs";
import path from "node:path";

/** Write via a temporary file and rename; `mode` applies from the first byte (0600 for secrets). */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}
