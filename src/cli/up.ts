// `hive up`: initialise the data directory if it is empty, start everything, stop it all on SIGINT/SIGTERM.
import { startAppliance, type ApplianceOptions } from "../appliance/index.ts";
import { isInitialized } from "../config/index.ts";
import { runInit } from "./init.ts";

export interface UpFlags extends Omit<ApplianceOptions, "dataDir" | "log"> {
  region?: string;
  az?: string;
  nodeName?: string;
  awsProfile?: boolean;
}

export async function runUp(dataDir: string, flags: UpFlags, say: (line: string) => void): Promise<void> {
  if (!isInitialized(dataDir)) {
    await runInit(dataDir, { region: flags.region, az: flags.az, node: flags.nodeName, awsProfile: flags.awsProfile, gatewayPort: flags.gatewayPort }, say);
  }
  const appliance = await startAppliance({ ...flags, dataDir, log: say });
  process.stdout.write(`hive ready: ${appliance.endpoint} (node ${appliance.node}, region ${appliance.region}, ${appliance.readyMs} ms)\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      say(`hive: ${signal}, stopping`);
      appliance.stop().then(resolve, (err: unknown) => {
        say(`hive: stop failed: ${String(err)}`);
        resolve();
      });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  say("hive: stopped");
}
