// `hive env`: shell export lines that point the AWS CLI and SDKs at this appliance.
import { DEFAULT_GATEWAY_PORT, dataPaths, loadNodeConfig, loadSecrets, readRunState } from "../config/index.ts";

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function envLines(dataDir: string): string[] {
  const config = loadNodeConfig(dataDir);
  const secrets = loadSecrets(dataDir);
  const endpoint = readRunState(dataDir)?.endpoint ?? `https://localhost:${DEFAULT_GATEWAY_PORT}`;
  const vars: Record<string, string> = {
    AWS_ACCESS_KEY_ID: secrets.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secrets.admin.secretAccessKey,
    AWS_ENDPOINT_URL: endpoint,
    AWS_CA_BUNDLE: dataPaths(dataDir).caCert,
    AWS_DEFAULT_REGION: config.region,
  };
  return Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}
