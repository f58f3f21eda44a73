// What a guest is told about itself: the NoCloud seed's files, its firmware identity, and the host's resolvers.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { seedFiles, systemIdentityFor, type DaemonContext } from "../../src/daemon/index.ts";
import { hostResolvers, usableResolvers } from "../../src/net/index.ts";
import type { InstanceRecord } from "../../src/store/index.ts";

const ctx = (network: DaemonContext["network"]): DaemonContext => ({
  node: "n1",
  region: "us-east-1",
  az: "us-east-1a",
  azId: "use1-az1",
  endpoint: "https://localhost:9999",
  accountId: "123456789012",
  host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: false },
  overcommit: { cpu: 1, mem: 1 },
  dataDir: "/tmp/none",
  network,
});
const rec = { id: "i-0123456789abcdef0", instanceType: "t3.micro", privateIp: "10.73.0.2" } as InstanceRecord;

test("VPC seed: the static address, the VPC router, AmazonProvidedDNS with the private domain, and the private DNS name", () => {
  const net = { address: "10.0.1.4/24", gateway: "10.0.1.1", nameservers: ["10.0.0.2"], search: ["ec2.internal"] };
  const files = seedFiles(rec, ctx({ mode: "vpc" }), "ssh-ed25519 AAAA me", net, undefined, "ip-10-0-1-4.ec2.internal");
  const config = files["network-config"] as string;
  assert.match(config, /^version: 2\nethernets:\n {2}nic0:\n {4}match:\n {6}macaddress: "52:54:00:[0-9a-f:]{8}"\n/);
  assert.match(config, /\n {4}addresses: \["10\.0\.1\.4\/24"\]\n {4}gateway4: "10\.0\.1\.1"\n {4}nameservers:\n {6}addresses: \["10\.0\.0\.2"\]\n {6}search: \["ec2\.internal"\]\n$/);
  assert.match(files["meta-data"] as string, /^instance-id: i-0123456789abcdef0\nlocal-hostname: ip-10-0-1-4\.ec2\.internal\npublic-keys:\n {2}- "ssh-ed25519 AAAA me"\n$/);
  // For images whose ifupdown drops network-config's name servers: /etc/resolv.conf at boot unless something manages it.
  assert.match(files["vendor-data"] as string, /^#cloud-config\nbootcmd:\n {2}- \[sh, -c, ".*! -L \/etc\/resolv\.conf.*nameserver 10\.0\.0\.2\\\\nsearch ec2\.internal.*"\]\n$/);
});

test("a VPC without DNS support gives no nameservers; user mode is DHCP (slirp's DNS)", () => {
  const net = { address: "10.0.1.4/24", gateway: "10.0.1.1", nameservers: [], search: [] };
  assert.doesNotMatch(seedFiles(rec, ctx({ mode: "vpc" }), undefined, net)["network-config"] as string, /nameservers/);
  const user = seedFiles(rec, ctx({ mode: "user" }))["network-config"] as string;
  assert.match(user, /\n {4}dhcp4: true\n$/);
  assert.doesNotMatch(user, /nameservers/);
});

test("resolvers: IPv4 nameserver lines, loopback and duplicates left out, three at most", () => {
  const text = "# comment\nsearch example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\nnameserver 10.0.0.2\n" +
    "nameserver 0.0.0.0\nnameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n";
  assert.deepEqual(usableResolvers(text), ["10.0.0.2", "192.0.2.1", "192.0.2.2"]);
  assert.deepEqual(usableResolvers("nameserver 127.0.0.53\noptions edns0\n"), []);
});

test("resolvers: systemd-resolved's stub is passed over for its upstream list; a missing file is skipped", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-resolv-"));
  try {
    fs.writeFileSync(path.join(dir, "stub"), "nameserver 127.0.0.53\n");
    fs.writeFileSync(path.join(dir, "upstream"), "nameserver 203.0.113.9\n");
    assert.deepEqual(hostResolvers([path.join(dir, "stub"), path.join(dir, "upstream")]), ["203.0.113.9"]);
    assert.deepEqual(hostResolvers([path.join(dir, "missing"), path.join(dir, "stub")]), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("system identity: EC2's firmware vendor, the instance type, a UUID beginning ec2, stable per instance", () => {
  const a = systemIdentityFor(rec);
  assert.equal(a.vendor, "Amazon EC2");
  assert.equal(a.product, "t3.micro");
  assert.match(a.uuid, /^ec2[0-9a-f]{5}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(systemIdentityFor(rec), a);
  assert.notEqual(systemIdentityFor({ ...rec, id: "i-0fedcba9876543210" }).uuid, a.uuid);
});
