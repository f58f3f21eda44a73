// `hive env`: shell export lines that point the AWS CLI and SDKs at this appliance.
import { DEFAULT_GATEWAY_PORT, dataPaths, loadNodeConfig, loadSecrets, readRunState } from "../config/index.ts";
import { readsEndpointEnv, type AwsCli } from "./aws-cli.ts";

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface EnvOutput {
  /** Shell code for stdout, to be eval'd. */
  lines: string[];
  /** What the user should know, for stderr (eval does not swallow it). */
  notes: string[];
}

/**
 * The export lines; and, when the aws CLI on PATH predates AWS_ENDPOINT_URL, a shell function `aws` that passes
 * --endpoint-url, since that CLI would otherwise send the user's requests to the real AWS with no error.
 */
export function envOutput(dataDir: string, cli?: AwsCli): EnvOutput {
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
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  if (!cli || readsEndpointEnv(cli)) return { lines, notes: [] };
  const v = cli.version.join(".");
  lines.push(
    `# aws-cli ${v} ignores AWS_ENDPOINT_URL (read from 1.29 and 2.13 on): this function passes --endpoint-url instead.`,
    // An alias named aws would be expanded inside the definition below.
    `unalias aws 2>/dev/null || true`,
    `aws() { command aws --endpoint-url ${shellQuote(endpoint)} "$@"; }`,
  );
  const notes = [
    `hive env: the aws on PATH is aws-cli ${v}, which ignores AWS_ENDPOINT_URL and a profile's endpoint_url (both came in aws-cli 1.29 and 2.13)`,
    `hive env: so this shell gets a function 'aws' that adds --endpoint-url ${endpoint}; scripts and other shells do not:`,
    `hive env: give them --endpoint-url "$AWS_ENDPOINT_URL", or install aws-cli 2.13 or later`,
  ];
  return { lines, notes };
}
