// Finding and unpacking the nats-server binary, and the config text it is started with.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { renderNatsConfig, resolveNatsServer, setEmbeddedNats, type NatsConfigOptions } from "../../src/embedded-nats/index.ts";
import { tempDir } from "./nats-harness.ts";

describe("nats-server binary", () => {
  const dir = tempDir("nats-bin");
  /** The host's own nats-server stands in for the copy a compiled binary embeds. */
  let SYSTEM_NATS = "";
  after(() => {
    setEmbeddedNats(undefined);
    dir.remove();
  });

  test("is found on the host when nothing is embedded", async () => {
    const found = await resolveNatsServer(dir.path);
    SYSTEM_NATS = found;
    assert.match(execFileSync(found, ["--version"]).toString(), /nats-server: v2\./);
  });

  test("a missing one is reported with how to install it", async () => {
    const empty = join(dir.path, "empty");
    mkdirSync(empty);
    await assert.rejects(resolveNatsServer(dir.path, { searchDirs: [empty] }), (err: Error) => {
      assert.match(err.message, /nats-server was not found \(searched .*empty\)/);
      assert.match(err.message, /apt-get install nats-server/);
      return true;
    });
  });

  test("an embedded copy is unpacked once into <dataDir>/bin, executable", async () => {
    setEmbeddedNats(SYSTEM_NATS);
    const data = join(dir.path, "data-1");
    const path = await resolveNatsServer(data);
    assert.equal(path, join(data, "bin", "nats-server"));
    assert.equal(statSync(path).mode & 0o777, 0o755);
    assert.equal(statSync(path).size, statSync(SYSTEM_NATS).size);
    assert.match(execFileSync(path, ["--version"]).toString(), /nats-server: v2\./);
    const mtime = statSync(path).mtimeMs;
    assert.equal(await resolveNatsServer(data), path);
    assert.equal(statSync(path).mtimeMs, mtime, "not rewritten");
  });

  test("a stale copy of another size is replaced; one of the same size is kept", async () => {
    setEmbeddedNats(SYSTEM_NATS);
    const stale = join(dir.path, "data-2");
    mkdirSync(join(stale, "bin"), { recursive: true });
    writeFileSync(join(stale, "bin", "nats-server"), "old", { mode: 0o644 });
    const path = await resolveNatsServer(stale);
    assert.equal(statSync(path).size, statSync(SYSTEM_NATS).size);
    assert.equal(statSync(path).mode & 0o777, 0o755);

    const same = join(dir.path, "data-3");
    mkdirSync(join(same, "bin"), { recursive: true });
    writeFileSync(join(same, "bin", "nats-server"), Buffer.alloc(statSync(SYSTEM_NATS).size));
    const kept = await resolveNatsServer(same);
    assert.equal(statSync(kept).mode & 0o777, 0o755);
    assert.equal(readFileSync(kept).subarray(0, 4).toString("hex"), "00000000", "same size: left as it was");
  });
});

describe("nats config", () => {
  const base: NatsConfigOptions = {
    host: "127.0.0.1",
    port: 4222,
    leafHost: "0.0.0.0",
    leafPort: 7422,
    monitorHost: "127.0.0.1",
    monitorPort: 8222,
    user: "hive",
    password: "s3cret",
    leafUser: "leaf",
    leafPassword: "l3af",
    serverName: "hive-box1",
  };

  test("has auth on both listeners (accounts), monitoring, 64 MiB payloads and no JetStream unless asked", () => {
    const text = renderNatsConfig(base);
    assert.match(text, /^listen: "127\.0\.0\.1:4222"$/m);
    assert.match(text, /^  HIVE \{\n    users: \[ \{ user: "hive", password: "s3cret" \}, \{ user: "leaf", password: "l3af" \} \]\n  \}$/m);
    assert.match(text, /^leafnodes \{\n  listen: "0\.0\.0\.0:7422"\n\}$/m);
    assert.match(text, /^http: "127\.0\.0\.1:8222"$/m);
    assert.match(text, /^server_name: "hive-box1"$/m);
    assert.match(text, /^max_payload: 67108864$/m);
    assert.doesNotMatch(text, /jetstream|JOIN|remotes/i);
  });

  test("a hub: JetStream with its domain, TLS on the leaf listener, and a JOIN account that reaches only the join service", () => {
    const text = renderNatsConfig({ ...base, jetstream: { storeDir: "/d/js", domain: "box1" }, leafTls: { certFile: "/d/leaf.pem", keyFile: "/d/leaf-key.pem" }, join: { user: "j", password: "jp" } });
    assert.match(text, /^    jetstream: enabled$/m);
    assert.match(text, /^jetstream \{\n  store_dir: "\/d\/js"\n  domain: "box1"\n/m);
    assert.match(text, /exports: \[ \{ service: "hive\.cluster\.join" \} \]/);
    assert.match(text, /^  JOIN \{\n    users: \[ \{ user: "j", password: "jp" \} \]\n    imports: \[ \{ service: \{ account: HIVE, subject: "hive\.cluster\.join" \} \} \]\n  \}$/m);
    assert.match(text, /tls \{\n    cert_file: "\/d\/leaf\.pem"\n    key_file: "\/d\/leaf-key\.pem"\n  \}/);
  });

  test("a member: no leaf listener, a remote to the hub verified against the region CA, credentials URL-encoded", () => {
    const text = renderNatsConfig({ ...base, leafListen: false, remote: { urls: ["10.0.0.1:7422"], user: "hive-leaf", password: "p@ss/w", caFile: "/d/ca.pem" } });
    assert.doesNotMatch(text, /listen: "0\.0\.0\.0:7422"/);
    assert.match(text, /urls: \[ "tls:\/\/hive-leaf:p%40ss%2Fw@10\.0\.0\.1:7422" \]/);
    assert.match(text, /tls \{ ca_file: "\/d\/ca\.pem" \}/);
    assert.throws(() => renderNatsConfig({ ...base, remote: { urls: ["h:1"], user: "u", password: "p" } }), /needs the region's CA/);
  });

  test("escapes quotes and backslashes, brackets IPv6 hosts", () => {
    const text = renderNatsConfig({ ...base, password: 'a"b\\c$d', host: "::1" });
    assert.match(text, /password: "a\\"b\\\\c\$d"/);
    assert.match(text, /listen: "\[::1\]:4222"/);
  });

  test("refuses what nats-server would misread or run open", () => {
    assert.throws(() => renderNatsConfig({ ...base, port: 0 }), /port must be an integer in 1\.\.65535/);
    assert.throws(() => renderNatsConfig({ ...base, password: "" }), /password must not be empty/);
    assert.throws(() => renderNatsConfig({ ...base, leafUser: "" }), /leafUser must not be empty/);
    assert.throws(() => renderNatsConfig({ ...base, password: "a\nb" }), /control characters/);
    assert.throws(() => renderNatsConfig({ ...base, serverName: "my box" }), /invalid nats server_name/);
  });
});
