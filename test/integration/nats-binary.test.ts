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

  test("has auth on both listeners, monitoring, 64 MiB payloads and no JetStream", () => {
    const text = renderNatsConfig(base);
    assert.match(text, /^listen: "127\.0\.0\.1:4222"$/m);
    assert.match(text, /^authorization \{\n  user: "hive"\n  password: "s3cret"\n\}$/m);
    assert.match(text, /^leafnodes \{\n  listen: "0\.0\.0\.0:7422"\n  authorization \{\n    user: "leaf"\n    password: "l3af"\n  \}\n\}$/m);
    assert.match(text, /^http: "127\.0\.0\.1:8222"$/m);
    assert.match(text, /^server_name: "hive-box1"$/m);
    assert.match(text, /^max_payload: 67108864$/m);
    assert.doesNotMatch(text, /jetstream/i);
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
