// The offline bundle's manifest and release checks, on small files in a temporary directory.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { bundleProblems, distributionMismatch, parseOsRelease, readManifest, RUNTIME_PACKAGES, type BundleManifest, type Distribution } from "../../src/bundle/index.ts";

const bookworm: Distribution = { id: "debian", versionId: "12", codename: "bookworm", arch: "amd64" };

describe("the runtime packages", () => {
  test("scripts/setup.sh installs each package the bundle carries, when its program is missing", () => {
    const setup = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "scripts", "setup.sh"), "utf8");
    for (const p of RUNTIME_PACKAGES) {
      assert.match(setup, new RegExp(`command -v ${p.provides} .*need\\+=\\(${p.name.replace(/[.+]/g, "\\$&")}\\)`), `${p.name} for ${p.provides}`);
    }
  });
});

describe("which box a bundle installs on", () => {
  test("os-release fields, quoted or not", () => {
    const f = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n# comment\n');
    assert.equal(f.ID, "debian");
    assert.equal(f.VERSION_ID, "12");
    assert.equal(f.VERSION_CODENAME, "bookworm");
    assert.equal(f.PRETTY_NAME, "Debian GNU/Linux 12 (bookworm)");
  });

  test("the same release and architecture only", () => {
    assert.equal(distributionMismatch(bookworm, { ...bookworm }), undefined);
    assert.match(distributionMismatch(bookworm, { ...bookworm, versionId: "13", codename: "trixie" })!, /made for debian 12 \(bookworm\) amd64 and this box runs debian 13 \(trixie\) amd64/);
    assert.match(distributionMismatch(bookworm, { ...bookworm, arch: "arm64" })!, /holds amd64 packages and this box is arm64/);
    assert.match(distributionMismatch(bookworm, { ...bookworm, id: "ubuntu" })!, /this box runs ubuntu/);
  });
});

describe("a bundle's files against its manifest", () => {
  let dir = "";
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  const manifest = (files: BundleManifest["files"]): BundleManifest => ({
    format: 1, hive: "0.0.0", created: new Date(0).toISOString(), distribution: bookworm, packages: ["socat"], files,
  });
  const writeManifest = (m: unknown) => fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(m));

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bundle-unit-"));
    fs.mkdirSync(path.join(dir, "debs"));
    fs.writeFileSync(path.join(dir, "debs", "socat_1_amd64.deb"), "socat");
    fs.writeFileSync(path.join(dir, "hive"), "binary");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const good = () => manifest([
    { path: "debs/socat_1_amd64.deb", size: 5, sha256: sha("socat"), package: "socat", version: "1" },
    { path: "hive", size: 6, sha256: sha("binary") },
  ]);

  test("an intact bundle has no problems", () => {
    writeManifest(good());
    assert.deepEqual(bundleProblems(dir, readManifest(dir)), []);
  });

  test("a changed, missing, resized or unlisted file is each named", () => {
    const m = good();
    m.files[0].sha256 = sha("other");
    m.files[1].size = 7;
    m.files.push({ path: "debs/gone_1_all.deb", size: 1, sha256: sha("x") });
    fs.writeFileSync(path.join(dir, "debs", "stray_1_all.deb"), "x");
    try {
      assert.deepEqual(bundleProblems(dir, m), [
        "debs/socat_1_amd64.deb: its SHA-256 is not the manifest's (the file was changed or damaged)",
        "hive: 6 bytes, the manifest says 7",
        "debs/gone_1_all.deb: missing",
        "debs/stray_1_all.deb: not in the manifest",
      ]);
    } finally {
      fs.rmSync(path.join(dir, "debs", "stray_1_all.deb"));
    }
  });

  test("a manifest naming a path outside the bundle, a bad hash or another format is refused", () => {
    for (const [m, message] of [
      [{ ...good(), files: [{ path: "../etc/passwd", size: 1, sha256: sha("x") }] }, /not a path inside the bundle/],
      [{ ...good(), files: [{ path: "/etc/passwd", size: 1, sha256: sha("x") }] }, /not a path inside the bundle/],
      [{ ...good(), files: [{ path: "hive", size: 6, sha256: "abc" }] }, /hive: bad size or sha256/],
      [{ ...good(), files: [...good().files, good().files[1]] }, /hive is listed twice/],
      [{ ...good(), packages: ["socat; rm -rf /"] }, /bad package list/],
      [{ ...good(), format: 2 }, /format 2 is not one this hive reads/],
    ] as const) {
      writeManifest(m);
      assert.throws(() => readManifest(dir), message);
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), "{");
    assert.throws(() => readManifest(dir), /is not valid JSON/);
    fs.rmSync(path.join(dir, "manifest.json"));
    assert.throws(() => readManifest(dir), /not a finished Hive bundle: it has no manifest\.json/);
  });
});
