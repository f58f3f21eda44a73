// The systemd unit `hive service install` writes: what it holds, and systemd's own check of it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { unitArg, unitText, type ServiceSpec } from "../../src/cli/service.ts";

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  binary: "/usr/local/bin/hive",
  dataDir: "/var/lib/hive",
  user: "root",
  upArgs: [],
  kvmGroup: false,
  ...over,
});

const lines = (text: string) => text.split("\n");

test("orders after the network, restarts on failure, runs as the named user with the data directory and flags", () => {
  const unit = lines(unitText(spec({ user: "hive", kvmGroup: true, upArgs: ["--gateway-host", "0.0.0.0", "--network", "user"] })));
  for (const l of ["Wants=network-online.target", "After=network-online.target", "Restart=on-failure", "User=hive", "SupplementaryGroups=kvm", "StateDirectory=hive", "WantedBy=multi-user.target"]) {
    assert.ok(unit.includes(l), `no ${l}`);
  }
  assert.ok(unit.includes("ExecStart=/usr/local/bin/hive up --data-dir /var/lib/hive --gateway-host 0.0.0.0 --network user"));
  // Guests outlive hive on purpose; a stop must not take them down with it.
  assert.ok(unit.includes("KillMode=process"));
  assert.ok(unit.includes("Environment=XDG_RUNTIME_DIR=%t/hive"));
});

test("a data directory outside /var/lib waits for its mount instead of a state directory", () => {
  const unit = lines(unitText(spec({ dataDir: "/media/ops/EDGE/hive-data" })));
  assert.ok(unit.includes("RequiresMountsFor=/media/ops/EDGE/hive-data /usr/local/bin"));
  assert.equal(unit.filter((l) => l.startsWith("StateDirectory=")).length, 0);
  assert.equal(unit.filter((l) => l.startsWith("Environment=")).length, 0, "root needs no XDG_RUNTIME_DIR");
});

test("arguments are quoted for systemd: spaces, quotes, specifiers and variables", () => {
  assert.equal(unitArg("/var/lib/hive"), "/var/lib/hive");
  assert.equal(unitArg("/media/ops/MY STICK"), '"/media/ops/MY STICK"');
  assert.equal(unitArg("50%"), "50%%");
  assert.equal(unitArg("$HOME"), "$$HOME");
  assert.equal(unitArg('a"b\\c'), '"a\\"b\\\\c"');
  assert.throws(() => unitArg("a\nb"), /line break/);
  assert.equal(unitArg("/opt/$X/hive", true), "/opt/$X/hive", "systemd expands no variables in the program's path");
  assert.throws(() => unitArg('/opt/"x"/hive', true), /quotes/);
});

test("systemd-analyze verify accepts the unit, with the binary and data directory at an awkward path", (t) => {
  if (spawnSync("systemd-analyze", ["--version"]).status !== 0) return t.skip("systemd-analyze is not installed");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-unit-"));
  try {
    // verify checks that ExecStart's program exists: it does only if the quoting of this path came back intact.
    const stick = path.join(tmp, "EDGE 1 50% $X");
    fs.mkdirSync(stick);
    const binary = path.join(stick, "hive");
    fs.copyFileSync("/usr/bin/true", binary);
    fs.chmodSync(binary, 0o755);
    const file = path.join(tmp, "hive.service");
    fs.writeFileSync(file, unitText(spec({ binary, dataDir: path.join(stick, 'hive "data"'), user: "root", upArgs: ["--region", "eu-west-1"] })));
    const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.split("\n").filter((l) => l.includes("hive.service")).join("\n"), "", "systemd-analyze warned about the unit");

    fs.rmSync(binary);
    const missing = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
    assert.match(missing.stderr, /is not executable/, "verify did not look at the binary's path");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
