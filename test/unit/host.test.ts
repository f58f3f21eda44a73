// Host facts: vendor and architecture parsing, and a sane, cached probe of this machine.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { archFrom, cpuVendorFrom, hostFacts, probeHostFacts } from "../../src/vm/index.ts";

test("reads the CPU vendor from /proc/cpuinfo text", () => {
  assert.equal(cpuVendorFrom("processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"), "intel");
  assert.equal(cpuVendorFrom("processor\t: 0\nvendor_id\t: AuthenticAMD\n"), "amd");
  assert.equal(cpuVendorFrom("processor\t: 0\nvendor_id\t: HygonGenuine\n"), "other");
  assert.equal(cpuVendorFrom("processor\t: 0\nCPU implementer\t: 0x41\n"), "other");
  assert.equal(cpuVendorFrom(""), "other");
});

test("maps Node architectures to EC2 names", () => {
  assert.equal(archFrom("x64"), "x86_64");
  assert.equal(archFrom("arm64"), "arm64");
  assert.equal(archFrom("s390x"), "other");
});

test("probes this machine", () => {
  const facts = probeHostFacts();
  assert.ok(Number.isInteger(facts.vcpus) && facts.vcpus >= 1);
  assert.ok(facts.vcpus <= os.cpus().length);
  assert.equal(facts.memoryMiB, Math.floor(os.totalmem() / 1048576));
  assert.ok(["intel", "amd", "other"].includes(facts.cpuVendor));
  assert.equal(facts.arch, archFrom(process.arch));
  assert.equal(typeof facts.kvm, "boolean");
});

test("caches the facts", () => {
  const a = hostFacts();
  assert.equal(hostFacts(), a);
  assert.ok(Object.isFrozen(a));
});

test("KVM counts only with VT-x or AMD-V in the CPU flags, and HIVE_ACCEL=tcg turns it off", async () => {
  const { hasVirtFlags, kvmUsable } = await import("../../src/vm/host.ts");
  assert.equal(hasVirtFlags("processor\t: 0\nflags\t\t: fpu vme sse2 vmx avx2\n"), true);
  assert.equal(hasVirtFlags("processor\t: 0\nflags\t\t: fpu vme sse2 svm\n"), true);
  assert.equal(hasVirtFlags("processor\t: 0\nflags\t\t: fpu vme sse2 avx2 hypervisor\n"), false);
  assert.equal(kvmUsable("flags : vmx", "tcg"), false);
});

test("says why KVM is not used: no device, no permission, no vmx/svm, or HIVE_ACCEL=tcg", async (t) => {
  const { probeKvm } = await import("../../src/vm/host.ts");
  const vmx = "processor\t: 0\nflags\t\t: fpu vmx\n";
  const plain = "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n";
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-kvm-"));
  try {
    const missing = probeKvm(vmx, undefined, path.join(tmp, "kvm"));
    assert.equal(missing.usable, false);
    assert.match(missing.whyNot!, /there is no .*kvm \(the kvm module is not loaded/);

    const device = path.join(tmp, "dev-kvm");
    fs.writeFileSync(device, "");
    assert.deepEqual(probeKvm(vmx, undefined, device), { usable: true });
    assert.match(probeKvm(plain, undefined, device).whyNot!, /shows no vmx or svm flag/);
    assert.equal(probeKvm(plain, "kvm", device).usable, true, "HIVE_ACCEL=kvm forces it");
    assert.match(probeKvm(vmx, "tcg", device).whyNot!, /HIVE_ACCEL=tcg/);

    // Root opens anything: the refusal is seen by another user, here nobody, on a device only root may open.
    if (process.getuid?.() !== 0) return t.skip("needs root to probe as another user");
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(device, 0o600);
    const scratch = path.join(tmp, "nobody");
    fs.mkdirSync(scratch);
    fs.chownSync(scratch, 65534, 65534);
    const code = `import { probeKvm } from ${JSON.stringify(path.resolve("src/vm/host.ts"))}; console.log(JSON.stringify(probeKvm(${JSON.stringify(vmx)}, undefined, ${JSON.stringify(device)})));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { uid: 65534, gid: 65534, encoding: "utf8", env: { ...process.env, HOME: scratch, TMPDIR: scratch } });
    if (r.status !== 0) return t.skip(`cannot run node as nobody here: ${r.stderr.split("\n")[0]}`);
    const denied = JSON.parse(r.stdout) as { usable: boolean; whyNot: string };
    assert.equal(denied.usable, false);
    assert.match(denied.whyNot, /^nobody may not open .*dev-kvm \(EACCES\): add nobody to its group/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
