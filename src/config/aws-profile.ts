// Writes a `[profile hive]` into ~/.aws/config and `[hive]` into ~/.aws/credentials, replacing only that section.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "./files.ts";

export interface AwsProfile {
  name: string;
  region: string;
  endpointUrl: string;
  caBundle: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Replace (or append) the section headed `header` in an INI text. */
export function upsertIniSection(text: string, header: string, body: Record<string, string>): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let skipping = false;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith("[") && trimmed.endsWith("]")) skipping = trimmed === header;
    if (!skipping) out.push(line);
  }
  while (out.length && out[out.length - 1].trim() === "") out.pop();
  const section = [header, ...Object.entries(body).map(([k, v]) => `${k} = ${v}`)];
  return [...out, ...(out.length ? [""] : []), ...section, ""].join("\n");
}

/** Returns the two files written. */
export function writeAwsProfile(p: AwsProfile, awsDir = path.join(os.homedir(), ".aws")): string[] {
  const configFile = process.env.AWS_CONFIG_FILE ?? path.join(awsDir, "config");
  const credentialsFile = process.env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(awsDir, "credentials");
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
  writeFileAtomic(
    configFile,
    upsertIniSection(read(configFile), `[profile ${p.name}]`, {
      region: p.region,
      endpoint_url: p.endpointUrl,
      ca_bundle: p.caBundle,
    }),
    0o600,
  );
  writeFileAtomic(
    credentialsFile,
    upsertIniSection(read(credentialsFile), `[${p.name}]`, {
      aws_access_key_id: p.accessKeyId,
      aws_secret_access_key: p.secretAccessKey,
    }),
    0o600,
  );
  return [configFile, credentialsFile];
}
