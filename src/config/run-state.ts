// What a running `hive up` publishes about itself in <data-dir>/run/state.json, for `hive env` and `hive status`.
import fs from "node:fs";
import path from "node:path";
import { dataPaths } from "./paths.ts";
import { readJson, writeFileAtomic } from "./files.ts";

export interface RunState {
  pid: number;
  endpoint: string;
  natsUrl: string;
  startedAt: string;
}

const stateFile = (dataDir: string) => path.join(dataPaths(dataDir).runtime, "state.json");

export function writeRunState(dataDir: string, state: RunState): void {
  writeFileAtomic(stateFile(dataDir), JSON.stringify(state, null, 2) + "\n", 0o600);
}

/** The state of a live appliance, or undefined when none runs on this data directory. */
export function readRunState(dataDir: string): RunState | undefined {
  try {
    const state = readJson<RunState>(stateFile(dataDir));
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

export function clearRunState(dataDir: string): void {
  fs.rmSync(stateFile(dataDir), { force: true });
}
