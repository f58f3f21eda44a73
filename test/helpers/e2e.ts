// What the end-to-end suites share: aws CLI calls that must succeed or fail with a code, waiting, the console.
import assert from "node:assert/strict";
import fs from "node:fs";
import { aws, type HiveInstance } from "./hive.ts";

/** Helpers bound to the suite's appliance (a getter, since suites start it in `before`). */
export function awsDriver(hiveOf: () => HiveInstance) {
  const ok = (args: string[]) => {
    const r = aws(hiveOf(), args);
    assert.equal(r.status, 0, `aws ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? r.json() : {};
  };
  const fails = (args: string[], code: string): string => {
    const r = aws(hiveOf(), args);
    assert.notEqual(r.status, 0, `aws ${args.join(" ")} should fail with ${code}`);
    assert.match(r.stderr, new RegExp(`\\(${code.replaceAll(".", "\\.")}\\)`), r.stderr);
    return r.stderr;
  };
  const until = async (what: string, check: () => boolean, ms = 120_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 400));
    }
    // The appliance's lines about the resources `what` names come first: a report that keeps only the start of a
    // failure still shows what happened to them.
    const ids = what.match(/\b[a-z]+-[0-9a-f]{8,17}\b/g) ?? [];
    const about = ids.length ? hiveOf().output().split("\n").filter((l) => ids.some((id) => l.includes(id))).slice(-30) : [];
    // And where each named guest's console stopped.
    const consoles = ids.filter((id) => id.startsWith("i-")).map((id) => `${id} console:\n${consoleTail(id)}`);
    const first = [...about, ...consoles];
    assert.fail(`timed out waiting for ${what}\n${first.length ? `${first.join("\n")}\n---\n` : ""}${hiveOf().output().slice(-3000)}`);
  };
  /** The guest's serial console, as GetConsoleOutput --latest returns it. */
  const consoleOf = (id: string): string => (ok(["ec2", "get-console-output", "--instance-id", id, "--latest"]).Output ?? "") as string;
  const consoleTail = (id: string): string => {
    try {
      return consoleOf(id).slice(-1500);
    } catch (err) {
      return `(no console: ${(err as Error).message.split("\n")[0]})`;
    }
  };
  /** create-key-pair, its private key saved 0600 at `file` as `ssh -i` wants it (with a final newline). */
  const createKeyFile = (name: string, file: string, keyType: "rsa" | "ed25519" = "rsa"): { KeyMaterial: string } => {
    const created = ok(["ec2", "create-key-pair", "--key-name", name, "--key-type", keyType]);
    fs.writeFileSync(file, created.KeyMaterial.endsWith("\n") ? created.KeyMaterial : `${created.KeyMaterial}\n`, { mode: 0o600 });
    return created;
  };
  return { ok, fails, until, consoleOf, createKeyFile };
}

/** A shell pipeline for the guest: one HTTP/1.0 exchange with the metadata service (busybox has nc, not curl). */
export const imdsExchange = (method: string, path: string, headers: string[] = []): string =>
  `printf '${method} ${path} HTTP/1.0\\r\\nHost: 169.254.169.254\\r\\n${headers.map((h) => `${h}\\r\\n`).join("")}\\r\\n' | nc 169.254.169.254 80`;
