// The VPC resolver's pure parts: EC2's private DNS names, the hosts file dnsmasq reads and the config it starts with.
import assert from "node:assert/strict";
import { test } from "node:test";
import { privateDnsDomain, privateDnsName, renderVpcDnsConfig, renderVpcDnsHosts, vpcDnsPaths, type DnsmasqConfig } from "../../src/net/index.ts";

test("private DNS names are EC2's: ec2.internal in us-east-1, <region>.compute.internal elsewhere", () => {
  assert.equal(privateDnsName("10.0.1.4", "us-east-1"), "ip-10-0-1-4.ec2.internal");
  assert.equal(privateDnsName("172.31.16.250", "eu-west-1"), "ip-172-31-16-250.eu-west-1.compute.internal");
  assert.equal(privateDnsName("10.0.0.10", "us-gov-west-1"), "ip-10-0-0-10.us-gov-west-1.compute.internal");
  assert.equal(privateDnsDomain("us-east-1"), "ec2.internal");
  assert.equal(privateDnsDomain("ap-southeast-2"), "ap-southeast-2.compute.internal");
});

test("private DNS names refuse what is not an address or a region", () => {
  assert.throws(() => privateDnsName("10.0.1", "us-east-1"), /not an IPv4 address/);
  assert.throws(() => privateDnsName("10.0.1.256", "us-east-1"), /not an IPv4 address/);
  assert.throws(() => privateDnsName("10.0.1.4", "US-EAST-1"), /not a region/);
  assert.throws(() => privateDnsName("10.0.1.4", "us-east-1\nserver=6.6.6.6"), /not a region/);
});

test("the hosts file puts the private name first (it is what a PTR answers), then short names and aliases, by address", () => {
  const text = renderVpcDnsHosts([
    { name: "ip-10-0-2-9.ec2.internal", ip: "10.0.2.9" },
    { name: "ip-10-0-1-4.ec2.internal", ip: "10.0.1.4", aliases: ["i-0123456789abcdef0.ec2.internal"] },
    { name: "ip-10-0-10-1.ec2.internal", ip: "10.0.10.1" },
  ]);
  const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));
  assert.deepEqual(lines, [
    "10.0.1.4 ip-10-0-1-4.ec2.internal ip-10-0-1-4 i-0123456789abcdef0.ec2.internal i-0123456789abcdef0",
    "10.0.2.9 ip-10-0-2-9.ec2.internal ip-10-0-2-9",
    "10.0.10.1 ip-10-0-10-1.ec2.internal ip-10-0-10-1",
  ]);
  assert.ok(text.endsWith("\n"));
});

test("the hosts file merges entries of one address, drops repeated names and lower-cases them", () => {
  const text = renderVpcDnsHosts([
    { name: "IP-10-0-1-4.EC2.internal", ip: "10.0.1.4" },
    { name: "ip-10-0-1-4.ec2.internal", ip: "10.0.1.4", aliases: ["web.ec2.internal"] },
  ]);
  assert.deepEqual(
    text.split("\n").filter((l) => l && !l.startsWith("#")),
    ["10.0.1.4 ip-10-0-1-4.ec2.internal ip-10-0-1-4 web.ec2.internal web"],
  );
  assert.equal(renderVpcDnsHosts([]).split("\n").filter((l) => l && !l.startsWith("#")).length, 0);
});

test("the hosts file refuses names and addresses that would smuggle in another line", () => {
  assert.throws(() => renderVpcDnsHosts([{ name: "a.ec2.internal\n6.6.6.6 evil", ip: "10.0.1.4" }]), /not a DNS name/);
  assert.throws(() => renderVpcDnsHosts([{ name: "a b", ip: "10.0.1.4" }]), /not a DNS name/);
  assert.throws(() => renderVpcDnsHosts([{ name: "-a.ec2.internal", ip: "10.0.1.4" }]), /not a DNS name/);
  assert.throws(() => renderVpcDnsHosts([{ name: "a.ec2.internal", ip: "10.0.1.4 6.6.6.6" }]), /not an IPv4 address/);
});

const config = (over: Partial<DnsmasqConfig> = {}): DnsmasqConfig => ({
  namespace: "hive-1a2b-v1",
  listen: ["10.0.0.2", "169.254.169.253"],
  upstreams: ["192.0.2.53", "198.51.100.53#5353"],
  domains: ["ec2.internal"],
  user: "dnsmasq",
  paths: vpcDnsPaths("/run/hive/dns/v1"),
  ...over,
});

test("the config binds only the listen addresses, reads no system files, serves no DHCP and keeps the private domain local", () => {
  const lines = renderVpcDnsConfig(config()).split("\n").filter((l) => l && !l.startsWith("#"));
  assert.deepEqual(lines, [
    "keep-in-foreground",
    "user=dnsmasq",
    "pid-file=/run/hive/dns/v1/dnsmasq.pid",
    "log-facility=-",
    "bind-interfaces",
    "listen-address=10.0.0.2",
    "listen-address=169.254.169.253",
    "no-hosts",
    "no-resolv",
    "addn-hosts=/run/hive/dns/v1/hosts",
    "domain-needed",
    "bogus-priv",
    "local=/ec2.internal/",
    "server=192.0.2.53",
    "server=198.51.100.53#5353",
    "cache-size=1000",
  ]);
  assert.ok(!lines.some((l) => l.startsWith("dhcp") || l.startsWith("interface=")));
});

test("the config with no upstream has no server line, so dnsmasq refuses other names", () => {
  const text = renderVpcDnsConfig(config({ upstreams: [] }));
  assert.ok(!/^server=/m.test(text));
  assert.match(text, /^no-resolv$/m);
});

test("the config names its namespace, so a running dnsmasq of another namespace is not taken for this one", () => {
  assert.notEqual(renderVpcDnsConfig(config()), renderVpcDnsConfig(config({ namespace: "hive-1a2b-v2" })));
});

test("the config refuses a wildcard, no listen address and values that are not what they claim", () => {
  assert.throws(() => renderVpcDnsConfig(config({ listen: [] })), /at least one listen address/);
  assert.throws(() => renderVpcDnsConfig(config({ listen: ["0.0.0.0"] })), /0\.0\.0\.0/);
  assert.throws(() => renderVpcDnsConfig(config({ listen: ["10.0.0.2\nport=0"] })), /not an IPv4 address/);
  assert.throws(() => renderVpcDnsConfig(config({ upstreams: ["dns.example"] })), /not an IPv4 address/);
  assert.throws(() => renderVpcDnsConfig(config({ upstreams: ["192.0.2.53#0"] })), /<ip>#<port>/);
  assert.throws(() => renderVpcDnsConfig(config({ upstreams: ["192.0.2.53#53#1"] })), /<ip>#<port>/);
  assert.throws(() => renderVpcDnsConfig(config({ namespace: "../x" })), /not a namespace name/);
  assert.throws(() => renderVpcDnsConfig(config({ domains: ["ec2.internal/\nserver=6.6.6.6"] })), /not a DNS name/);
});

test("run-directory paths are absolute, since a running dnsmasq is recognised by its config's path", () => {
  const p = vpcDnsPaths("relative/dir");
  for (const f of [p.config, p.hosts, p.pidFile, p.logFile]) assert.ok(f.startsWith("/"), f);
});
