// `hive service install|uninstall`: a systemd unit that starts `hive up` at boot, restarts it on failure.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resolveDataDir, type DataDirOptions } from "../config/index.ts";

export interface ServiceSpec {
  /** The hive binary's absolute path. */
  binary: string;
  /** The data directory's absolute path. */
  dataDir: string;
  /** The account hive runs as. */
  user: string;
  /** `hive up` flags, already checked. */
  upArgs: string[];
  /** Add the kvm group, so that a user other than root may open /dev/kvm. */
  kvmGroup: boolean;
}

export interface ServiceFlags {
  user?: string;
  name?: string;
  binary?: string;
  root?: string;
  /** false with --no-enable: write the unit, leave it disabled. */
  enable?: boolean;
  dryRun?: boolean;
}

/**
 * One argument of a systemd command line or path list: specifiers (%) doubled, and variables ($) too except in the
 * program's own path (systemd expands none there); quoted when needed.
 */
export function unitArg(arg: string, program = false): string {
  if (/[\n\r\0]/.test(arg)) throw new Error(`a systemd unit cannot hold ${JSON.stringify(arg)}: it has a line break or NUL`);
  if (program && /["'\\]/.test(arg)) throw new Error(`systemd refuses a program path with quotes or backslashes: ${arg}`);
  const s = program ? arg.replace(/%/g, "%%") : arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[A-Za-z0-9_@+=:,./%$-]+$/.test(s) ? s : `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The unit file's text. */
export function unitText(spec: ServiceSpec): string {
  const stateDir = /^\/var\/lib\/([A-Za-z0-9_.-]+)$/.exec(spec.dataDir)?.[1];
  const exec = [unitArg(spec.binary, true), ...["up", "--data-dir", spec.dataDir, ...spec.upArgs].map((a) => unitArg(a))].join(" ");
  return [
    "# Written by `hive service install`; `hive service uninstall` removes it.",
    "[Unit]",
    "Description=Hive: an AWS-compatible cloud on this box (EC2 over SigV4, NATS inside, QEMU VMs)",
    "Wants=network-online.target",
    "After=network-online.target",
    // A data directory or binary on a USB stick: start once it is mounted.
    `RequiresMountsFor=${[spec.dataDir, path.dirname(spec.binary)].map((p) => unitArg(p)).join(" ")}`,
    "",
    "[Service]",
    "Type=exec",
    `User=${spec.user}`,
    ...(spec.kvmGroup ? ["SupplementaryGroups=kvm"] : []),
    `ExecStart=${exec}`,
    "Restart=on-failure",
    "RestartSec=5s",
    // Guests and the storage daemon outlive hive on purpose: the next start re-adopts them.
    "KillMode=process",
    "TimeoutStopSec=60s",
    // systemd creates /var/lib/<name> owned by the user; sockets go to /run/hive, kept across restarts for re-adoption.
    ...(stateDir ? [`StateDirectory=${stateDir}`, "StateDirectoryMode=0700"] : []),
    "RuntimeDirectory=hive",
    "RuntimeDirectoryPreserve=yes",
    ...(spec.user === "root" ? [] : ["Environment=XDG_RUNTIME_DIR=%t/hive"]),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

const runtimeNames = new Set(["node", "nodejs", "bun"]);

/** The binary the unit starts: --binary, else this executable unless it is a JavaScript runtime (running from source). */
export function serviceBinary(flag: string | undefined, execPath = process.execPath): string {
  const binary = path.resolve(flag ?? execPath);
  if (!flag && runtimeNames.has(path.basename(binary))) {
    throw new Error(`running from source (${binary}): name the built binary with --binary, e.g. --binary ${path.resolve("dist/hive")}`);
  }
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    throw new Error(`${binary} is not an executable file`);
  }
  return binary;
}

/** Whether a user (or a group, with "group") exists on this box, as NSS sees it. */
const known = (db: "passwd" | "group", name: string): boolean => spawnSync("getent", [db, name], { stdio: "ignore" }).status === 0;

export interface InstallPlan {
  spec: ServiceSpec;
  unitName: string;
  unitPath: string;
  notes: string[];
}

/** --data-dir or --portable (beside the unit's binary), else $HIVE_DATA_DIR, else /var/lib/hive whoever the user is. */
export function serviceDataDir(flags: DataDirOptions, binary: string): string {
  if (flags.dataDir) return path.resolve(flags.dataDir);
  if (flags.portable) return path.join(path.dirname(binary), "hive-data");
  return process.env.HIVE_DATA_DIR ? resolveDataDir({}) : "/var/lib/hive";
}

/** Checks the flags and works out the unit; touches nothing. */
export function planInstall(flags: ServiceFlags & DataDirOptions, upArgs: string[]): InstallPlan {
  const unitName = `${flags.name ?? "hive"}.service`;
  if (!/^[A-Za-z0-9_.@-]+\.service$/.test(unitName)) throw new Error(`invalid service name '${flags.name}'`);
  const user = flags.user ?? os.userInfo().username;
  if (!flags.root && !known("passwd", user)) throw new Error(`no user '${user}' on this box (create it first, e.g. useradd --system --create-home ${user})`);
  const network = upArgs.find((a, i) => upArgs[i - 1] === "--network" || a.startsWith("--network="))?.replace(/^--network=/, "");
  if (user !== "root" && (network === "vpc" || network === "bridge")) {
    throw new Error(`--network ${network} needs root: run the service as root (--user root) or with --network user`);
  }
  const notes: string[] = [];
  if (user !== "root" && !network) notes.push(`hive service: as ${user}, guests get user-mode networking (VPC networking needs root)`);
  const kvmGroup = user !== "root" && known("group", "kvm");
  const binary = serviceBinary(flags.binary);
  return {
    spec: { binary, dataDir: serviceDataDir(flags, binary), user, upArgs, kvmGroup },
    unitName,
    unitPath: path.join(flags.root ?? "/", "etc", "systemd", "system", unitName),
    notes,
  };
}

function systemctl(root: string | undefined, ...args: string[]): void {
  const argv = [...(root ? [`--root=${root}`] : []), ...args];
  const r = spawnSync("systemctl", argv, { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run systemctl: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`systemctl ${argv.join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
}

const needRoot = (root: string | undefined, what: string): void => {
  if (!root && process.getuid?.() !== 0) throw new Error(`${what} /etc/systemd/system needs root: run it with sudo (or --dry-run to print the unit)`);
};

/** Writes the unit; enables and starts it unless --no-enable (with --root: enables it in that tree, starts nothing). */
export function installService(plan: InstallPlan, flags: ServiceFlags, say: (line: string) => void): void {
  needRoot(flags.root, "writing to");
  const existed = fs.existsSync(plan.unitPath);
  fs.mkdirSync(path.dirname(plan.unitPath), { recursive: true });
  fs.writeFileSync(plan.unitPath, unitText(plan.spec), { mode: 0o644 });
  say(`hive service: ${existed ? "replaced" : "wrote"} ${plan.unitPath}`);
  if (!flags.root) systemctl(undefined, "daemon-reload");
  if (flags.enable === false) return say(`hive service: not enabled; systemctl enable --now ${plan.unitName} starts it now and at boot`);
  if (flags.root) systemctl(flags.root, "enable", plan.unitName);
  else systemctl(undefined, "enable", "--now", plan.unitName);
  say(`hive service: ${plan.unitName} enabled${flags.root ? "" : " and started; journalctl -u " + plan.unitName + " shows its log"}`);
}

/** Stops and disables the unit and removes its file; the data directory stays. */
export function uninstallService(flags: Pick<ServiceFlags, "name" | "root">, say: (line: string) => void): void {
  const unitName = `${flags.name ?? "hive"}.service`;
  const unitPath = path.join(flags.root ?? "/", "etc", "systemd", "system", unitName);
  if (!fs.existsSync(unitPath)) throw new Error(`no unit at ${unitPath}: nothing to uninstall`);
  needRoot(flags.root, "removing from");
  if (flags.root) systemctl(flags.root, "disable", unitName);
  else systemctl(undefined, "disable", "--now", unitName);
  fs.rmSync(unitPath);
  if (!flags.root) systemctl(undefined, "daemon-reload");
  say(`hive service: ${unitName} stopped, disabled and removed (the data directory is kept)`);
}
