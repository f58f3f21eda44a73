// Host facts: vendor and architecture parsing, and a sane, cached probe of this machine.

import assert from "node:assert/strict";
import os from "node:os";
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
