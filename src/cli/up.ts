// `hive up`: initialise the data directory if it is empty, start everything, stop it all on SIGINT/SIGTERM.
import { startAppliance, type Appliance, type ApplianceOptions } from "../appliance/index.ts";
import { isInitialized } from "../config/index.ts";
import { lockDataDir } from "../appliance/index.ts";
import { initialise, writeProfile } from "./init.ts";
import { joinRegion } from "../cluster/index.ts";

export interface UpFlags extends Omit<ApplianceOptions, "dataDir" | "log"> {
  region?: string;
  az?: string;
  nodeName?: string;
  awsProfile?: boolean;
  /** Join the region of this token (`hive cluster invite` on its hub) before starting. */
  join?: string;
  /** Reach the hub at these addresses instead of the token's. */
  hub?: string[];
  /** Join although this box has instances of its own. */
  force?: boolean;
}

export async function runUp(dataDir: string, flags: UpFlags, say: (line: string) => void): Promise<void> {
  // Before anything reads or writes the directory: a second `hive up` must leave a running one alone.
  const lock = await lockDataDir(dataDir);
  let appliance: Appliance;
  try {
    if (!isInitialized(dataDir)) {
      const profile = flags.join ? false : flags.awsProfile;
      await initialise(dataDir, { region: flags.region, az: flags.az, node: flags.nodeName, awsProfile: profile, gatewayPort: flags.gatewayPort }, say);
    }
    if (flags.join) {
      const welcome = await joinRegion(dataDir, flags.join, { hub: flags.hub, force: flags.force, natsPort: flags.natsPort, monitorPort: flags.monitorPort, log: say });
      say(`joined region ${welcome.region} (account ${welcome.accountId}) as ${welcome.node} in ${welcome.az}; hub ${welcome.hub.node}`);
      if (flags.awsProfile !== false) writeProfile(dataDir, flags.gatewayPort, say);
    }
    appliance = await startAppliance({ ...flags, dataDir, log: say });
  } catch (err) {
    lock.discard();
    throw err;
  }
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
  lock.release();
  say("hive: stopped");
}
