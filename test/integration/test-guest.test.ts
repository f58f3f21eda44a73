// The tiny test guest built by scripts/build-test-guest.sh: it boots under QEMU from a virtio-blk disk (raw, and as
// qcow2 served over NBD, as the appliance will serve it), reports HIVE-GUEST-READY on the serial console, and
// powers itself off when the ACPI power button is pressed over QMP. With a NIC it configures eth0 (DHCP, or a
// NoCloud seed's static network-config), reads a NoCloud seed (ISO "cidata" on virtio-scsi) and the EC2 metadata
// service (IMDSv2; here a fake one reached through QEMU's guestfwd), runs "#!" user data, and lets ec2-user in over
// SSH with the key it was given.

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";
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
const SSH_READY_TIMEOUT_MS = 90_000;

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

function bootGuest(parent: string, drive: string, extra: string[] = []): Guest {
  const dir = mkdtempSync(join(parent, "boot-"));
  const log = join(dir, "serial.log");
  const qmp = join(dir, "qmp.sock");
  const args = [
    "-M", "q35", "-accel", accel(), "-m", "256", "-smp", "1",
    "-display", "none", "-nodefaults", "-no-user-config",
    "-serial", `file:${log}`,
    "-drive", drive,
    "-qmp", `unix:${qmp},server=on,wait=off`,
    ...extra,
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
  try {
    guest = bootGuest(dir, drive);
    const m = await waitForLog(guest, /HIVE-GUEST-READY uptime=([0-9.]+)/, READY_TIMEOUT_MS);
    const wallS = (performance.now() - guest.startedAt) / 1000;
    const uptime = Number(m[1]);
    assert.ok(uptime > 0 && uptime < READY_TIMEOUT_MS / 1000, `uptime ${m[1]}`);
    diag(`${accel()}: READY at guest uptime ${uptime.toFixed(2)} s, ${wallS.toFixed(2)} s after QEMU started`);
    await powerOff(guest, diag);
  } finally {
    kill(guest);
  }
}

/** Presses the ACPI power button over QMP and checks the guest powers itself off. */
async function powerOff(guest: Guest, diag: (msg: string) => void): Promise<void> {
  let qmp: Qmp | undefined;
  try {
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
  }
}

// ---- guest access: seed ISO, fake metadata service, ssh ----

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, "127.0.0.1", res));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

/** An ed25519 key pair made with ssh-keygen; returns the private key's path and the public key line. */
function sshKey(dir: string): { path: string; pub: string } {
  const path = join(dir, "id_ed25519");
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hive-test", "-f", path], { encoding: "utf8" });
  assert.equal(r.status, 0, `ssh-keygen: ${r.stderr}`);
  return { path, pub: readFileSync(`${path}.pub`, "utf8").trim() };
}

/** A NoCloud seed: an ISO 9660 volume labelled cidata holding `files`. */
function seedIso(dir: string, files: Record<string, string>): string {
  const src = mkdtempSync(join(dir, "seed-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const iso = `${src}.iso`;
  const r = spawnSync("genisoimage", ["-quiet", "-V", "cidata", "-J", "-r", "-o", iso, src], { encoding: "utf8" });
  assert.equal(r.status, 0, `genisoimage: ${r.stderr}`);
  return iso;
}

/** A virtio NIC on QEMU user networking, with 127.0.0.1:<port> forwarded to <guestIp or the DHCP address>:22. */
function userNic(port: number, guestIp = "", extraNetdev?: string): string[] {
  const netdev = [`user,id=n0,hostfwd=tcp:127.0.0.1:${port}-${guestIp}:22`, ...(extraNetdev ? [extraNetdev] : [])].join(",");
  return ["-netdev", netdev, "-device", "virtio-net-pci,netdev=n0"];
}

/** QEMU arguments for the seed ISO as a CD-ROM on virtio-scsi, as the appliance attaches it. */
function seedArgs(iso: string): string[] {
  return [
    "-device", "virtio-scsi-pci,id=scsi0",
    "-drive", `if=none,id=seed,file=${iso},format=raw,media=cdrom,readonly=on`,
    "-device", "scsi-cd,drive=seed,bus=scsi0.0",
  ];
}

interface ImdsRequest {
  method: string;
  url: string;
  token?: string;
  ttl?: string;
}

/**
 * A fake EC2 metadata service (IMDSv2) on 127.0.0.1, and the guestfwd that QEMU's user network needs to reach it as
 * 169.254.169.254:80. libslirp accepts a guestfwd address only inside the guest network, so the network is
 * 169.254.169.0/24 (DHCP hands out 169.254.169.15). The "cmd:" form starts one relay per guest connection; the "tcp:"
 * form would be a single connection made when QEMU starts.
 */
async function fakeImds(dir: string, data: Record<string, string>): Promise<{
  server: HttpServer;
  requests: ImdsRequest[];
  netdev: string;
}> {
  const token = "hive-test-token-0123456789";
  const requests: ImdsRequest[] = [];
  const server = createHttpServer((req, res) => {
    const h = req.headers;
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      token: h["x-aws-ec2-metadata-token"] as string | undefined,
      ttl: h["x-aws-ec2-metadata-token-ttl-seconds"] as string | undefined,
    });
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!h["x-aws-ec2-metadata-token-ttl-seconds"]) return void res.writeHead(400).end();
      return void res.writeHead(200, { "content-type": "text/plain" }).end(token);
    }
    if (req.method !== "GET" || h["x-aws-ec2-metadata-token"] !== token) return void res.writeHead(401).end();
    const body = data[req.url ?? ""];
    if (body === undefined) return void res.writeHead(404).end("Not Found");
    res.writeHead(200, { "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const { port } = server.address() as AddressInfo;
  const relay = join(dir, "imds-relay.cjs");
  writeFileSync(
    relay,
    `const s = require("node:net").connect(${port}, "127.0.0.1");
process.stdin.pipe(s);
s.pipe(process.stdout);
s.on("error", () => process.exit(1));
`,
  );
  return { server, requests, netdev: `net=169.254.169.0/24,guestfwd=tcp:169.254.169.254:80-cmd:${process.execPath} ${relay}` };
}

/** Runs `command` as ec2-user over ssh through the hostfwd port. */
async function ssh(key: string, port: number, command: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = spawn("ssh", [
    "-i", key, "-p", String(port),
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=30", "-o", "LogLevel=ERROR",
    "ec2-user@127.0.0.1", command,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
  const status = await new Promise<number | null>((res) => p.on("close", (code) => res(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** Waits for READY and SSH-READY and reports both uptimes. */
async function waitForSsh(guest: Guest, diag: (msg: string) => void): Promise<void> {
  const ready = await waitForLog(guest, /HIVE-GUEST-READY uptime=([0-9.]+)/, READY_TIMEOUT_MS);
  const sshReady = await waitForLog(guest, /HIVE-GUEST-SSH-READY uptime=([0-9.]+)/, SSH_READY_TIMEOUT_MS);
  diag(`${accel()}: READY at guest uptime ${ready[1]} s, SSH-READY at ${sshReady[1]} s`);
}

const USER_DATA_SCRIPT = `#!/bin/sh
echo "user data ran as $(id -un) on $(hostname)"
echo "to stderr" >&2
exit 3
`;

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

  describe("guest access", () => {
    const raw = `file=${IMAGE},if=virtio,format=raw,snapshot=on`;
    let key: { path: string; pub: string };
    before(() => {
      for (const tool of ["ssh", "ssh-keygen", "genisoimage"]) {
        const r = spawnSync("sh", ["-c", `command -v ${tool}`]);
        assert.equal(r.status, 0, `${tool} is missing: apt-get install openssh-client genisoimage`);
      }
      const keys = join(dir.path, "keys");
      mkdirSync(keys, { recursive: true });
      key = sshKey(keys);
    });

    test("a NoCloud seed: cloud-config key and hostname, static network-config, ssh as ec2-user", async (t) => {
      const iso = seedIso(dir.path, {
        "meta-data": "instance-id: i-0seed000000000001\nlocal-hostname: seeded-host\n",
        "user-data": `#cloud-config\nhostname: cloud-config-host\nssh_authorized_keys:\n  - ${key.pub}\n`,
        "network-config": [
          "version: 2",
          "ethernets:",
          "  eth0:",
          "    addresses: [10.0.2.50/24]",
          "    gateway4: 10.0.2.2",
          "    nameservers:",
          "      addresses: [10.0.2.3]",
          "",
        ].join("\n"),
      });
      const port = await freePort();
      let guest: Guest | undefined;
      try {
        guest = bootGuest(dir.path, raw, [
          ...userNic(port, "10.0.2.50"),
          ...seedArgs(iso),
        ]);
        await waitForSsh(guest, (m) => t.diagnostic(m));
        const log = readLog(guest.log);
        assert.match(log, /HIVE-GUEST-NET eth0=10\.0\.2\.50\/24 gw=10\.0\.2\.2 via=static/);
        assert.match(log, /HIVE-GUEST-META instance-id=i-0seed000000000001 via=seed keys=seed/);
        assert.match(log, /HIVE-GUEST-HOSTKEY ssh-ed25519 AAAA/);
        const r = await ssh(key.path, port, "id -un; hostname; cat /etc/resolv.conf; stat -c '%a %U' ~/.ssh ~/.ssh/authorized_keys");
        assert.equal(r.status, 0, `ssh failed: ${r.stderr}\nconsole:\n${readLog(guest.log)}`);
        const lines = r.stdout.trim().split("\n");
        assert.deepEqual(lines, ["ec2-user", "cloud-config-host", "nameserver 10.0.2.3", "700 ec2-user", "600 ec2-user"]);
        await powerOff(guest, (m) => t.diagnostic(m));
      } finally {
        kill(guest);
      }
    });

    test("a seed with #! user data and no key: the key comes from the metadata service", async (t) => {
      const imds = await fakeImds(dir.path, {
        "/latest/meta-data/instance-id": "i-0imds000000000001",
        "/latest/meta-data/public-keys/0/openssh-key": `${key.pub}\n`,
        "/latest/user-data": "#!/bin/sh\necho not this one\n",
      });
      const iso = seedIso(dir.path, {
        "meta-data": "instance-id: i-0seed000000000002\nlocal-hostname: seeded-host\n",
        "user-data": USER_DATA_SCRIPT,
      });
      const port = await freePort();
      let guest: Guest | undefined;
      try {
        guest = bootGuest(dir.path, raw, [
          ...userNic(port, "", imds.netdev),
          ...seedArgs(iso),
        ]);
        await waitForSsh(guest, (m) => t.diagnostic(m));
        await waitForLog(guest, /HIVE-GUEST-USERDATA-DONE status=3/, 30_000);
        const log = readLog(guest.log);
        assert.match(log, /HIVE-GUEST-NET eth0=169\.254\.169\.15\/24 gw=169\.254\.169\.2 via=dhcp/);
        assert.match(log, /HIVE-GUEST-META instance-id=i-0seed000000000002 via=seed keys=imds user-data=seed/);
        assert.match(log, /HIVE-USERDATA: user data ran as root on seeded-host/);
        assert.match(log, /HIVE-USERDATA: to stderr/);
        // Only what the seed lacked was asked for: a token, then the key.
        assert.deepEqual(imds.requests.map((r) => `${r.method} ${r.url}`), [
          "PUT /latest/api/token",
          "GET /latest/meta-data/public-keys/0/openssh-key",
        ]);
        const r = await ssh(key.path, port, "cat /var/log/user-data.log; hostname");
        assert.equal(r.status, 0, `ssh failed: ${r.stderr}\nconsole:\n${readLog(guest.log)}`);
        assert.equal(r.stdout, "user data ran as root on seeded-host\nto stderr\nseeded-host\n");
      } finally {
        kill(guest);
        imds.server.close();
      }
    });

    test("no seed: instance id, key and #! user data from the metadata service (IMDSv2)", async (t) => {
      const imds = await fakeImds(dir.path, {
        "/latest/meta-data/instance-id": "i-0imds000000000003",
        "/latest/meta-data/public-keys/0/openssh-key": `${key.pub}\n`,
        "/latest/user-data": USER_DATA_SCRIPT,
      });
      const port = await freePort();
      let guest: Guest | undefined;
      try {
        guest = bootGuest(dir.path, raw, [
          ...userNic(port, "", imds.netdev),
        ]);
        await waitForSsh(guest, (m) => t.diagnostic(m));
        await waitForLog(guest, /HIVE-GUEST-USERDATA-DONE status=3/, 30_000);
        const log = readLog(guest.log);
        assert.match(log, /HIVE-GUEST-SEED none/);
        assert.match(log, /HIVE-GUEST-META instance-id=i-0imds000000000003 via=imds keys=imds user-data=imds/);
        assert.match(log, /HIVE-USERDATA: user data ran as root on hive-test-guest/);
        // IMDSv2: a token first (PUT with a TTL), then every GET carries it.
        const [put, ...gets] = imds.requests;
        assert.deepEqual(put, { method: "PUT", url: "/latest/api/token", token: undefined, ttl: "300" });
        assert.deepEqual(gets.map((r) => `${r.method} ${r.url}`), [
          "GET /latest/meta-data/instance-id",
          "GET /latest/meta-data/public-keys/0/openssh-key",
          "GET /latest/user-data",
        ]);
        for (const g of gets) assert.equal(g.token, "hive-test-token-0123456789");
        const r = await ssh(key.path, port, "cat /var/log/user-data.log; hostname");
        assert.equal(r.status, 0, `ssh failed: ${r.stderr}\nconsole:\n${readLog(guest.log)}`);
        assert.equal(r.stdout, "user data ran as root on hive-test-guest\nto stderr\nhive-test-guest\n");
        await powerOff(guest, (m) => t.diagnostic(m));
      } finally {
        kill(guest);
        imds.server.close();
      }
    });

    test("a NIC but no seed and no metadata service: READY at once, SSH-READY after the bounded IMDS wait", async (t) => {
      const port = await freePort();
      let guest: Guest | undefined;
      try {
        guest = bootGuest(dir.path, raw, [
          ...userNic(port),
        ]);
        await waitForSsh(guest, (m) => t.diagnostic(m));
        assert.match(readLog(guest.log), /HIVE-GUEST-META instance-id= via=none keys=none user-data=none/);
        await powerOff(guest, (m) => t.diagnostic(m));
      } finally {
        kill(guest);
      }
    });
  });
});
