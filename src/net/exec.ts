// Runs ip and nft with argument arrays (never a shell), turning a failure into an error that names the command.
import { spawn } from "node:child_process";
import { HiveError } from "../errors/index.ts";

const PACKAGE: Record<string, string> = { ip: "iproute2", nft: "nftables", nsenter: "util-linux" };

/** Runs `cmd args…`, feeding `input` on stdin (nft scripts), and resolves with stdout. */
export function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      const hint = e.code === "ENOENT" && PACKAGE[cmd] ? ` (install Debian's ${PACKAGE[cmd]} package)` : "";
      reject(new HiveError({ kind: "Internal", message: `cannot run ${cmd}: ${e.message}${hint}` }));
    });
    child.on("close", (code) => {
      if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
      const why = Buffer.concat(err).toString("utf8").trim() || `exit code ${code}`;
      reject(new HiveError({ kind: "Internal", message: `${cmd} ${args.join(" ")} failed: ${why}` }));
    });
    child.stdin.on("error", () => {}); // A command that exits before reading its input reports through its exit code.
    child.stdin.end(input ?? "");
  });
}

/** `ip -j …` parsed; iproute2 prints nothing at all (not "[]") for some empty listings. */
export async function ipJson<T>(args: string[]): Promise<T[]> {
  const text = (await run("ip", ["-j", ...args])).trim();
  return text === "" ? [] : (JSON.parse(text) as T[]);
}

/** Runs one nft script as a single transaction: it applies entirely or not at all. */
export const nftScript = (script: string): Promise<string> => run("nft", ["-f", "-"], script);

/** Whether `ip link show dev <name>` finds the device. */
export async function linkExists(name: string): Promise<boolean> {
  try {
    await run("ip", ["link", "show", "dev", name]);
    return true;
  } catch {
    return false;
  }
}
