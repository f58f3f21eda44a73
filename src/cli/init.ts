// `hive init`: create a data directory and, unless told not to, an AWS CLI profile for it.
import { DEFAULT_GATEWAY_PORT, dataPaths, initDataDir, isInitialized, loadNodeConfig, loadSecrets, writeAwsProfile, type InitOptions } from "../config/index.ts";
import { lockDataDir } from "../appliance/index.ts";

export interface InitFlags extends InitOptions {
  awsProfile?: boolean;
  gatewayPort?: number;
}

/** With --force, refuses at once, touching nothing, while an appliance runs on the directory (it would pull its identity away). */
export async function runInit(dataDir: string, flags: InitFlags, say: (line: string) => void): Promise<void> {
  // Without --force an existing directory is refused anyway ("already initialised"), running or not.
  if (isInitialized(dataDir) && !flags.force) return void (await initDataDir(dataDir, flags));
  const lock = await lockDataDir(dataDir);
  try {
    await initialise(dataDir, flags, say);
  } catch (err) {
    lock.discard();
    throw err;
  }
  lock.release();
}

/** `hive init`'s work, for a caller that already holds the data directory's lock. */
export async function initialise(dataDir: string, flags: InitFlags, say: (line: string) => void): Promise<void> {
  const { config, secrets } = await initDataDir(dataDir, flags);
  say(`initialised ${dataDir}: node ${config.node}, region ${config.region}, zone ${config.az}, account ${config.accountId}`);
  say(`admin access key ${secrets.admin.accessKeyId} (secret in ${dataPaths(dataDir).secrets})`);
  if (flags.awsProfile !== false) writeProfile(dataDir, flags.gatewayPort ?? DEFAULT_GATEWAY_PORT, say);
}

export function writeProfile(dataDir: string, gatewayPort: number, say: (line: string) => void): void {
  const config = loadNodeConfig(dataDir);
  const secrets = loadSecrets(dataDir);
  const files = writeAwsProfile({
    name: "hive",
    region: config.region,
    endpointUrl: `https://localhost:${gatewayPort}`,
    caBundle: dataPaths(dataDir).caCert,
    accessKeyId: secrets.admin.accessKeyId,
    secretAccessKey: secrets.admin.secretAccessKey,
  });
  say(`wrote profile 'hive' to ${files.join(" and ")} (use: aws --profile hive ...)`);
}
