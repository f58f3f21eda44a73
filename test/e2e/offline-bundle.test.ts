// The offline bundle end to end: hive bundle on this box, a bare Debian made by mmdebstrap (essential packages and
// apt, nothing else), then hive install --from inside it with no network at all, after which QEMU runs and hive up is
// ready there. A bundle with one changed byte is refused and installs nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { HIVE_BIN, runHive } from "../helpers/hive.ts";
import { currentDistribution, readManifest, RUNTIME_PACKAGES } from "../../src/bundle/index.ts";

const isRoot = process.getuid?.() === 0;
let tmp = "";
let bundle = "";
let root = "";
let digest = "";

/** The box's apt sources (one-line .list and deb822 .sources files), handed to mmdebstrap as they are. */
function aptSources(): string[] {
  const files: string[] = [];
  if (/^\s*deb\s/m.test(readOr("/etc/apt/sources.list"))) files.push("/etc/apt/sources.list");
  const dir = "/etc/apt/sources.list.d";
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) if (/\.(list|sources)$/.test(f)) files.push(path.join(dir, f));
  return files;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Runs `script` (sh) inside the bare Debian with no network: its own network namespace (loopback only), mount and
 * pid namespaces (everything it starts ends with it), the bundle mounted read-only at /opt/bundle, and an
 * environment of nothing but PATH and HOME.
 */
function offline(script: string, timeoutMs = 180_000) {
  const setup = [
    "set -e",
    "mount --make-rprivate /",
    `mount -t proc proc '${root}/proc'`,
    `mkdir -p '${root}/opt/bundle'`,
    `mount --bind -o ro '${bundle}' '${root}/opt/bundle'`,
    "ip link set lo up",
    `exec chroot '${root}' /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root sh -c "$0"`,
  ].join("\n");
  const r = spawnSync("unshare", ["--net", "--mount", "--pid", "--fork", "--kill-child", "sh", "-c", setup, script], {
    encoding: "utf8",
    timeout: timeoutMs,
    // unshare --fork ignores SIGTERM while it waits; its death takes the namespace's processes along (--kill-child).
    killSignal: "SIGKILL",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const installed = (pkg: string): boolean => offline(`dpkg-query -W -f '\${db:Status-Abbrev}' ${pkg} 2>/dev/null`).out.startsWith("ii");

describe("the offline bundle", { skip: isRoot ? false : "needs root (mmdebstrap's root mode, namespaces, chroot)" }, () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bundle-e2e-"));
    bundle = path.join(tmp, "bundle");
    root = path.join(tmp, "root");
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("hive bundle writes the binary, the packages and their dependencies, a manifest and checksums", () => {
    // As on any box that bundles: apt's lists current, or apt asks for versions its mirror has replaced.
    const update = spawnSync("apt-get", ["update", "-qq"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(update.status, 0, update.stderr);
    const r = runHive(["bundle", bundle, "--binary", HIVE_BIN], {});
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /holds hive \S+ and \d+ packages/);
    digest = /manifest\.json SHA-256 ([0-9a-f]{64})/.exec(r.stderr)?.[1] ?? "";
    assert.equal(digest, createHash("sha256").update(fs.readFileSync(path.join(bundle, "manifest.json"))).digest("hex"));
    const manifest = readManifest(bundle);
    assert.deepEqual(manifest.distribution, currentDistribution());
    const debs = manifest.files.filter((f) => f.package);
    for (const p of RUNTIME_PACKAGES) assert.ok(debs.some((f) => f.package === p.name), `${p.name} is in the bundle`);
    // The closure is for a bare box: the C library and the shared libraries QEMU links come along.
    for (const dep of ["libc6", "libglib2.0-0", "libpixman-1-0"]) assert.ok(debs.some((f) => f.package === dep), `${dep} is in the bundle`);
    // The checksums check without Hive, too.
    const sums = spawnSync("sha256sum", ["--check", "--quiet", "SHA256SUMS"], { cwd: bundle, encoding: "utf8" });
    assert.equal(sums.status, 0, sums.stdout + sums.stderr);
    assert.equal(fs.statSync(path.join(bundle, "hive")).mode & 0o777, 0o755);
  });

  test("a directory holding other files, and one that is no bundle, are refused", () => {
    const other = path.join(tmp, "other");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "notes.txt"), "mine");
    const r = runHive(["bundle", other, "--binary", HIVE_BIN]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /holds other files \(notes\.txt\)/);
    const none = runHive(["install", "--from", other, "--check"]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /not a finished Hive bundle: it has no manifest\.json/);
  });

  test("mmdebstrap makes a bare Debian of this release: no QEMU, no nftables", () => {
    const { codename } = currentDistribution();
    const r = spawnSync("mmdebstrap", ["--variant=apt", "--quiet", codename, root, ...aptSources()], { encoding: "utf8", timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    // What the Debian installer writes and mmdebstrap leaves out: hive's endpoint is https://localhost:9999.
    fs.writeFileSync(path.join(root, "etc", "hosts"), "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n");
    const probe = offline("command -v qemu-system-x86_64 nft qemu-storage-daemon; ls /var/lib/apt/lists | grep -c _Packages || true");
    assert.equal(probe.out.trim(), "0", `the chroot should have none of them and no package lists:\n${probe.out}`);
  });

  test("a bundle with a changed package is refused offline, and nothing is installed", () => {
    const manifest = readManifest(bundle);
    const victim = manifest.files.find((f) => f.package === "qemu-utils")!;
    const file = path.join(bundle, victim.path);
    const fd = fs.openSync(file, "r+");
    const byte = Buffer.alloc(1);
    const at = Math.floor(victim.size / 2);
    try {
      fs.readSync(fd, byte, 0, 1, at);
      fs.writeSync(fd, Buffer.from([byte[0] ^ 0xff]), 0, 1, at);
      const r = offline("/opt/bundle/hive install --from /opt/bundle");
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, new RegExp(`${victim.path.replace(/[.+]/g, "\\$&")}: its SHA-256 is not the manifest's`));
      assert.match(r.out, /nothing was installed/);
      assert.ok(!installed("qemu-utils") && !installed("qemu-system-x86"), "nothing may be installed from a changed bundle");
    } finally {
      fs.writeSync(fd, byte, 0, 1, at);
      fs.closeSync(fd);
    }
    assert.equal(runHive(["install", "--from", bundle, "--check"]).status, 0, "the restored bundle checks out");
  });

  test("hive install --from installs it with no network; then QEMU runs and hive up is ready", () => {
    const install = offline("/opt/bundle/hive install --from /opt/bundle");
    assert.equal(install.status, 0, install.out);
    assert.match(install.out, /install: \/usr\/local\/bin\/hive \(hive \S+\)/);
    assert.ok(install.out.includes(`manifest.json SHA-256 ${digest}`), "install prints the digest bundle printed");
    for (const p of RUNTIME_PACKAGES) assert.ok(installed(p.name), `${p.name} is installed`);

    const run = offline(
      [
        "qemu-system-x86_64 --version | head -n 1",
        "qemu-img --version | head -n 1",
        "hive up --network user > /tmp/up.log 2>&1 &",
        "up=$!",
        "for i in $(seq 1 150); do grep -q 'hive ready:' /tmp/up.log && break; sleep 0.2; done",
        "hive status 2>&1",
        "kill -TERM $up; wait $up",
        "cat /tmp/up.log",
      ].join("\n"),
    );
    assert.match(run.out, /^QEMU emulator version \d/m, run.out);
    assert.match(run.out, /^qemu-img version \d/m, run.out);
    assert.match(run.out, /hive ready: https:\/\/localhost:9999/, run.out);
    // The storage daemon came from the bundle's qemu-system-common.
    assert.match(run.out, /qemu-storage-daemon ready/, run.out);
    // hive status reached the appliance's admin API.
    assert.match(run.out, /^nats\s+connected/m, run.out);
  });
});
