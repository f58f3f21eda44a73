// The aws CLI on PATH and whether it reads AWS_ENDPOINT_URL: releases before 1.29 (v1) and 2.13 (v2) ignore it
// and the profile's endpoint_url, and would send a user's requests to the real AWS.
import { spawnSync } from "node:child_process";

export interface AwsCli {
  /** "aws-cli/2.9.19 Python/3.11.2 …" as the CLI printed it. */
  banner: string;
  version: [number, number, number];
}

/** Parses `aws --version` ("aws-cli/2.9.19 Python/…"); undefined when it is not that shape. */
export function parseAwsVersion(text: string): AwsCli | undefined {
  const m = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) return undefined;
  return { banner: text.trim().split("\n")[0]!, version: [Number(m[1]), Number(m[2]), Number(m[3])] };
}

/** aws-cli 1.29 and 2.13 were the first to read AWS_ENDPOINT_URL and a profile's endpoint_url. */
export function readsEndpointEnv(cli: AwsCli): boolean {
  const [major, minor] = cli.version;
  return major === 1 ? minor >= 29 : major === 2 ? minor >= 13 : major > 2;
}

/** Runs the aws on PATH with --version; undefined when there is none or it does not answer like aws-cli. */
export function probeAwsCli(env: NodeJS.ProcessEnv = process.env): AwsCli | undefined {
  const r = spawnSync("aws", ["--version"], { env, encoding: "utf8", timeout: 20_000 });
  if (r.error || r.status !== 0) return undefined;
  // aws-cli 1 on old Pythons printed its version on stderr.
  return parseAwsVersion(`${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim());
}
