// The runtime directory: where it is for root and for users, short and stable for any data directory, made private.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { keepsFileModes } from "../../src/config/index.ts";
import { MAX_SOCKET_PATH, prepareRuntimeDir, releaseRuntimeDir, runtimeBase, runtimeDir, scopeOf, socketDir } from "../../src/runtime/index.ts";

test("root keeps its runtime directories under /run/hive", () => {
  assert.equal(runtimeBase({ XDG_RUNTIME_DIR: "/run/user/0" }, 0), "/run/hive");
});

test("a user's go under $XDG_RUNTIME_DIR, or a private folder of the temporary directory without one", () => {
  assert.equal(runtimeBase({ XDG_RUNTIME_DIR: "/run/user/1000" }, 1000), "/run/user/1000/hive");
  // A relative XDG_RUNTIME_DIR is invalid by the spec: ignored.
  const uid = 4_000_000_001;
  assert.equal(runtimeBase({ XDG_RUNTIME_DIR: "run/user" }, uid), path.join(os.tmpdir(), `hive-${uid}`));
  assert.equal(runtimeBase({}, uid), path.join(os.tmpdir(), `hive-${uid}`));
});

test("one data directory has one short runtime directory, however it is spelled and however long its path", () => {
  const long = `/media/user/STICK/${"x".repeat(180)}`;
  assert.equal(long.length, 198);
  assert.equal(scopeOf(long), scopeOf(`${long}/../${path.basename(long)}/`));
  assert.notEqual(scopeOf(long), scopeOf(`${long}2`));
  assert.match(scopeOf(long), /^hive-[0-9a-f]{8}$/);
  const sock = path.join(runtimeDir(long), "vm", "i-0123456789abcdef0", "console.sock");
  assert.ok(Buffer.byteLength(sock) <= MAX_SOCKET_PATH, sock);
});

test("prepareRuntimeDir makes it private (0711 as root: VPC resolvers pass through) and keeps what outlived hive", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-rundir-"));
  const dir = runtimeDir(dataDir);
  try {
    assert.equal(prepareRuntimeDir(dataDir), dir);
    const root = process.getuid?.() === 0;
    assert.equal(fs.statSync(dir).mode & 0o777, root ? 0o711 : 0o700);
    const vm = socketDir(dataDir, "vm", "i-0123456789abcdef0");
    assert.equal(fs.statSync(vm).mode & 0o777, 0o700);
    fs.writeFileSync(path.join(vm, "kept"), "");
    prepareRuntimeDir(dataDir);
    assert.ok(fs.existsSync(path.join(vm, "kept")));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("releaseRuntimeDir removes empty folders and keeps what a guest still uses; with nothing left, the directory goes", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-rundir-"));
  const dir = runtimeDir(dataDir);
  try {
    socketDir(dataDir, "ebs");
    socketDir(dataDir, "vm", "i-0000000000000000a");
    const live = socketDir(dataDir, "vm", "i-0000000000000000b");
    fs.writeFileSync(path.join(live, "qmp.sock"), "");
    releaseRuntimeDir(dataDir);
    assert.deepEqual(fs.readdirSync(dir), ["vm"]);
    assert.deepEqual(fs.readdirSync(path.join(dir, "vm")), ["i-0000000000000000b"]);
    fs.rmSync(path.join(live, "qmp.sock"));
    releaseRuntimeDir(dataDir);
    assert.equal(fs.existsSync(dir), false);
    releaseRuntimeDir(dataDir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("prepareRuntimeDir refuses a runtime directory that is not a directory of ours", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-rundir-"));
  const dir = runtimeDir(dataDir);
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // A symlink planted where the directory goes (someone else's, in a shared /tmp) is never followed.
    fs.symlinkSync(dataDir, dir);
    assert.throws(() => prepareRuntimeDir(dataDir), /not a directory owned by uid/);
  } finally {
    fs.rmSync(dir, { force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("keepsFileModes: true where chmod sticks, and leaves no probe behind", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-modes-"));
  try {
    assert.equal(keepsFileModes(dir), true);
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
