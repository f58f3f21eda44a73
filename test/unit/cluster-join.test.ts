// The join's checks made on the joining box before anything crosses a link, and the token's sealing: a box with
// instances of its own stays out without --force, a damaged, expired or re-used-region token is refused, and the
// hub's answer opens only with the token's secret.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { seedInstances } from "../../bench/seed.ts";
import { BadToken, decodeToken, joinRegion } from "../../src/cluster/index.ts";
import { encodeToken, newSecret, proofMatches, proofOf, seal, unseal } from "../../src/cluster/token.ts";
import { initDataDir, loadNodeConfig } from "../../src/config/index.ts";
import { openStore } from "../../src/store/index.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const dataDir = async (): Promise<string> => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hive-join-"));
  dirs.push(d);
  await initDataDir(d, { node: "box2" });
  return d;
};
const token = (patch: Partial<Parameters<typeof encodeToken>[0]> = {}) =>
  encodeToken({ hub: ["127.0.0.1:1"], id: "abc", secret: newSecret(), ca: "00", user: "hive-join", password: "p", expires: Date.now() + 60_000, ...patch });
const opts = { natsPort: 1, monitorPort: 2, timeoutMs: 100, log: () => {} };

test("a box with instances of its own does not join without --force, and nothing of it changes", async () => {
  const dir = await dataDir();
  const store = await openStore(path.join(dir, "hive.db"));
  seedInstances(store, 0, 6, { node: "box2", az: "us-east-1a", ownerId: loadNodeConfig(dir).accountId });
  store.close();
  const before = fs.readFileSync(path.join(dir, "config.json"), "utf8");
  await assert.rejects(joinRegion(dir, token(), opts), /has 5 instance\(s\) of its own.*--force/);
  assert.equal(fs.readFileSync(path.join(dir, "config.json"), "utf8"), before);
});

test("a damaged or expired token is refused before any connection", async () => {
  const dir = await dataDir();
  await assert.rejects(joinRegion(dir, "HIVE1.bm90LWpzb24", opts), BadToken);
  await assert.rejects(joinRegion(dir, "hello", opts), /starts with HIVE1\./);
  await assert.rejects(joinRegion(dir, token({ expires: Date.now() - 1 }), opts), /expired/);
  assert.equal(decodeToken(token()).user, "hive-join");
});

test("the proof binds nonce and node; the sealed answer opens only with the token's secret", () => {
  const secret = newSecret();
  const proof = proofOf(secret, "n1", "box2");
  assert.ok(proofMatches(secret, "n1", "box2", proof));
  assert.ok(!proofMatches(secret, "n2", "box2", proof));
  assert.ok(!proofMatches(secret, "n1", "box3", proof));
  assert.ok(!proofMatches(newSecret(), "n1", "box2", proof));
  const sealed = seal(secret, { accountId: "123456789012" });
  assert.deepEqual(unseal(secret, sealed), { accountId: "123456789012" });
  assert.throws(() => unseal(newSecret(), sealed), BadToken);
  const [iv, tag, body] = sealed.split(".");
  // One character of the body changed (to another one: a body already starting with "A" must still be damaged).
  const damaged = `${body!.startsWith("A") ? "B" : "A"}${body!.slice(1)}`;
  assert.throws(() => unseal(secret, [iv, tag, damaged].join(".")), BadToken);
});
