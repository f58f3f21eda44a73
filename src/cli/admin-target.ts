// How the CLI reaches a running appliance's admin API: its endpoint from run/state.json, its CA and the admin key.
import fs from "node:fs";
import type { AdminTarget } from "../api/index.ts";
import { dataPaths, loadNodeConfig, loadSecrets, readRunState } from "../config/index.ts";

export function adminTarget(dataDir: string): AdminTarget {
  const run = readRunState(dataDir);
  if (!run) throw new Error(`no appliance is running on ${dataDir} (start it with: hive up)`);
  return {
    endpoint: run.endpoint,
    region: loadNodeConfig(dataDir).region,
    ca: fs.readFileSync(dataPaths(dataDir).caCert, "utf8"),
    credentials: loadSecrets(dataDir).admin,
  };
}
