// The tiny test guest built by scripts/build-test-guest.sh: it boots under QEMU from a virtio-blk disk (raw, and as
// qcow2 served over NBD, as the appliance will serve it), reports HIVE-GUEST-READY on the serial console, and
// powers itself off when the ACPI power button is pressed over QMP.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { tempDir } from "./nats-harness.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRIPT = join(ROOT, "scripts", "build-test-guest.sh");
const OUT = join(ROOT, "build", "test-guest");
const IMAGE = join(OUT, "hive-test-guest.raw");
const INITRD = join(OUT, "initrd.gz");
const STAMP = join(OUT, "stamp");

const READY_TIMEOUT_MS = 60_000;
const POWEROFF_TIMEOUT_MS = 30_000;

/** Builds the guest when it is missing or was built by another version of the script (an edit rebuilds it). */
function ensureGuest(): void {
  const hash = createHash("sha256").update(readFileSync(SCRIPT)).digest("hex");
  if (existsSync(IMAGE) && existsSync(STAMP) && readFileSync(STAMP, "utf8").includes(`script=${hash}`)) return;
  const r = spawnSync("bash", [SCRIPT], { stdio: ["ignore", "inherit", "inherit"], timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `scripts/build-test-guest.sh failed (status ${r.status}, signal ${r.signal})`);
}

/**
 * TCG unless HIVE_TEST_ACCEL says otherwise: a /dev/kvm node is not proof that KVM works (some sandboxes have one
 * whose guests die with "KVM internal error" on the first real-mode instruction).
 */
function accel(): string {
  return process.env.HIVE_TEST_ACCEL || "tcg";
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

interface Guest {
  qemu: ChildProcess;
  log: string;
  qmp: string;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitedYet: () => boolean;
}

function bootGuest(parent: string, drive: string): Guest {
  const dir = mkdtempSync(join(parent, "boot-"));
  const log = join(dir, "serial.log");
  const qmp = join(dir, "qmp.sock");
  const args = [
    "-M", "q35", "-accel", accel(), "-m", "256", "-smp", "1",
    "-display", "none", "-nodefaults", "-no-user-config",
    "-serial", `file:${log}`,
    "-drive", drive,
    "-qmp", `unix:${qmp},server=on,wait=off`,
  ];
  const startedAt = performance.now();
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  qemu.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    qemu.on("error", rej);
    qemu.on("exit", (code, signal) => {
      done = true;
      if (stderr.trim()) process.stderr.write(`qemu: ${stderr}`);
      res({ code, signal });
    });
  });
  exited.catch(() => {});
  return { qemu, log, qmp, startedAt, exited, exitedYet: () => done };
}

function kill(guest: Guest | undefined): void {
  if (guest && !guest.exitedYet()) guest.qemu.kill("SIGKILL");
}

/** Polls the serial log until `pattern` matches; fails early when QEMU exits. */
async function waitForLog(guest: Guest, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const m = readLog(guest.log).match(pattern);
    if (m) return m;
    if (guest.exitedYet()) assert.fail(`QEMU exited before ${pattern} appeared; console:\n${readLog(guest.log)}`);
    if (performance.now() > deadline) assert.fail(`no ${pattern} within ${timeoutMs / 1000} s; console:\n${readLog(guest.log)}`);
    await sleep(50);
  }
}

/** A minimal QMP client: negotiates capabilities, then runs commands one at a time. */
class Qmp {
  private buf = "";
  private waiters: Array<(msg: Record<string, unknown>) => void> = [];
  private constructor(private readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ("event" in msg) continue;
        this.waiters.shift()?.(msg);
      }
    });
    sock.on("error", () => {});
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = createConnection(path);
          s.once("connect", () => res(s));
          s.once("error", rej);
        });
        const qmp = new Qmp(sock);
        const greeting = await qmp.next();
        assert.ok("QMP" in greeting, `expected a QMP greeting, got ${JSON.stringify(greeting)}`);
        await qmp.execute("qmp_capabilities");
        return qmp;
      } catch (err) {
        if (performance.now() > deadline) throw err;
        await sleep(100);
      }
    }
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((res) => this.waiters.push(res));
  }

  async execute(command: string): Promise<unknown> {
    const reply = this.next();
    this.sock.write(`${JSON.stringify({ execute: command })}\n`);
    const msg = await reply;
    if ("error" in msg) throw new Error(`QMP ${command}: ${JSON.stringify(msg.error)}`);
    return msg.return;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Boots from `drive`, waits for READY, presses the power button, and checks the guest powers itself off. */
async function bootAndPowerOff(dir: string, drive: string, diag: (msg: string) => void): Promise<void> {
  let guest: Guest | undefined;
  let qmp: Qmp | undefined;
  try {
    guest = bootGuest(dir, drive);
    const m = await waitForLog(guest, /HIVE-GUEST-READY uptime=([0-9.]+)/, READY_TIMEOUT_MS);
    const wallS = (performance.now() - guest.startedAt) / 1000;
    const uptime = Number(m[1]);
    assert.ok(uptime > 0 && uptime < READY_TIMEOUT_MS / 1000, `uptime ${m[1]}`);
    diag(`${accel()}: READY at guest uptime ${uptime.toFixed(2)} s, ${wallS.toFixed(2)} s after QEMU started`);

    qmp = await Qmp.connect(guest.qmp);
    const pressedAt = performance.now();
    await qmp.execute("system_powerdown");
    const timer = new AbortController();
    const exit = await Promise.race([
      guest.exited,
      sleep(POWEROFF_TIMEOUT_MS, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
    assert.ok(exit, `QEMU still running ${POWEROFF_TIMEOUT_MS / 1000} s after system_powerdown; console:\n${readLog(guest.log)}`);
    assert.equal(exit.code, 0, `QEMU exit ${JSON.stringify(exit)}`);
    diag(`powered off ${((performance.now() - pressedAt) / 1000).toFixed(2)} s after system_powerdown`);
    assert.match(readLog(guest.log), /HIVE-GUEST-POWEROFF/);
  } finally {
    qmp?.close();
    kill(guest);
  }
}

describe("test guest", () => {
  const dir = tempDir("test-guest");
  const guests: ChildProcess[] = [];
  before(() => ensureGuest());
  after(() => {
    for (const p of guests) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    dir.remove();
  });

  test("the image and the initramfs are small", () => {
    const image = statSync(IMAGE).size;
    const initrd = statSync(INITRD).size;
    assert.ok(image <= 128 * 1024 * 1024, `image is ${image} bytes`);
    assert.ok(initrd <= 8 * 1024 * 1024, `initrd.gz is ${initrd} bytes`);
    // A bootable MBR: syslinux's boot code, the signature, and one active partition.
    const mbr = readFileSync(IMAGE).subarray(0, 512);
    assert.equal(mbr.readUInt16LE(510), 0xaa55);
    assert.equal(mbr[446], 0x80);
  });

  test("boots from a raw virtio-blk disk and powers off on the ACPI power button", async (t) => {
    await bootAndPowerOff(dir.path, `file=${IMAGE},if=virtio,format=raw,snapshot=on`, (m) => t.diagnostic(m));
  });

  test("boots as qcow2 served over NBD", async (t) => {
    const qcow2 = join(dir.path, "guest.qcow2");
    const sock = join(dir.path, "nbd.sock");
    const conv = spawnSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", IMAGE, qcow2], { encoding: "utf8" });
    assert.equal(conv.status, 0, `qemu-img convert: ${conv.stderr}`);
    t.diagnostic(`qcow2 is ${(statSync(qcow2).size / 1024 / 1024).toFixed(1)} MiB`);
    const nbd = spawn("qemu-nbd", ["--format=qcow2", "--persistent", "--shared=2", `--socket=${sock}`, qcow2], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    guests.push(nbd);
    try {
      for (let i = 0; !existsSync(sock); i++) {
        assert.ok(i < 100 && nbd.exitCode === null, "qemu-nbd did not create its socket");
        await sleep(50);
      }
      await bootAndPowerOff(dir.path, `file=nbd+unix:///?socket=${sock},if=virtio,format=raw`, (m) => t.diagnostic(m));
    } finally {
      nbd.kill("SIGKILL");
    }
  });
});
