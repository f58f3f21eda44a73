// `hive ssh i-… [-i key] [-- command]`: logs in to a guest (user mode: its loopback forward; VPC mode: its private IP), found via the admin API.
import { spawn } from "node:child_process";
import { adminGet } from "../api/index.ts";
import { adminTarget } from "./admin-target.ts";

export interface SshTarget {
  instanceId: string;
  host: string;
  port: number;
  user: string;
  keyName?: string;
}

export async function sshTarget(dataDir: string, instanceId: string): Promise<SshTarget> {
  return (await adminGet(adminTarget(dataDir), `/instances/${encodeURIComponent(instanceId)}/ssh`)) as SshTarget;
}

/** Runs the real ssh client, in the foreground, and resolves with its exit code. */
export async function runSsh(dataDir: string, instanceId: string, opts: { identity?: string; user?: string; print?: boolean }, command: string[]): Promise<number> {
  const t = await sshTarget(dataDir, instanceId);
  const args = [
    "-p", String(t.port),
    // Each launch gets a new host key (and, in user mode, port): pin nothing.
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    ...(opts.identity ? ["-i", opts.identity] : []),
    `${opts.user ?? t.user}@${t.host}`,
    ...command,
  ];
  if (opts.print) {
    process.stdout.write(`ssh ${args.join(" ")}\n`);
    return 0;
  }
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", args, { stdio: "inherit" });
    child.once("error", (err) => reject(new Error(`cannot run ssh: ${err.message} (apt-get install openssh-client)`)));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
