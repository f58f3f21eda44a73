// End to end, bridge networking: hive runs inside a network namespace of the test's own (so the guests' private
// addresses never touch the host's network), gives each guest an address on its bridge, serves the metadata
// service there by source address, and lets the host reach every guest directly over SSH.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver, imdsExchange } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";
import { usableResolvers } from "../../src/net/index.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const CLOUD_IMAGE = path.join(ROOT, "build", "cloud-guest", "debian-cloud.raw");
const ns = `hive-e2e-${randomBytes(3).toString("hex")}`;
const inNs = (cmd: string[], timeout = 60_000) => spawnSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8", timeout });

const skip = (() => {
  if (process.getuid?.() !== 0) return "bridge networking needs root";
  if (spawnSync("ip", ["netns", "add", ns]).status !== 0) return "cannot create a network namespace here";
  inNs(["ip", "link", "set", "lo", "up"]);
  return false;
})();

let hive: HiveInstance;
let tmp = "";
let key = "";
let ids: string[] = [];
const ips: Record<string, string> = {};

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bridge-"));
  const ratio = String(4 / Math.max(1, Math.min(4, os.availableParallelism())));
  hive = await startHive(["--network", "bridge", "--bridge-cidr", "10.73.0.0/24", "--cpu-overcommit", ratio], { netns: ns });
});
after(async () => {
  if (skip) return;
  await hive?.stop();
  spawnSync("ip", ["netns", "del", ns]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { ok, until, consoleOf: consoleText, createKeyFile } = awsDriver(() => hive);
const ssh = (ip: string, command: string, user = "ec2-user") =>
  inNs(["ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", `${user}@${ip}`, command]);
const imds = imdsExchange;
const tokenOf = (ip: string) => ssh(ip, `${imds("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 60"])} | tail -n 1`).stdout.trim();

/**
 * What a packet capture on the host would show: packets from the metadata service to the first guest, counted by
 * TTL as they leave (after hive's own rules), in a table of the test's own. Gone with the namespace.
 */
const TTLS = [1, 5, 64];
const probeTtls = () => {
  const ip = ips[ids[0]!];
  const probe = [
    "add table inet probe",
    "add chain inet probe out { type filter hook postrouting priority 500; }",
    ...TTLS.flatMap((t) => [`add counter inet probe ttl${t}`, `add rule inet probe out ip saddr 169.254.169.254 tcp sport 80 ip daddr ${ip} ip ttl ${t} counter name ttl${t}`]),
  ].join("; ");
  assert.equal(inNs(["nft", probe]).status, 0);
};
const packets = (ttl: number): number =>
  JSON.parse(inNs(["nft", "-j", "list", "counter", "inet", "probe", `ttl${ttl}`]).stdout).nftables.find((o: any) => o.counter).counter.packets;

describe("bridge networking", { skip }, () => {
  test("guests get their own addresses on the bridge and the host reaches them over SSH", async () => {
    const env = { HOME: hive.home, HIVE_NETNS: ns };
    const imported = runHive(["image", "import", GUEST, "--name", "bridge-guest", "--data-dir", hive.dataDir], env);
    assert.equal(imported.status, 0, imported.stderr);
    key = path.join(tmp, "me.pem");
    createKeyFile("me", key, "ed25519");
    const script = path.join(tmp, "setup.sh");
    fs.writeFileSync(script, "#!/bin/sh\necho bridge-user-data-$(hostname) > /tmp/proof\n");
    const res = ok(["ec2", "run-instances", "--image-id", imported.stdout.trim(), "--count", "2", "--key-name", "me", "--user-data", `file://${script}`]);
    ids = res.Instances.map((i: any) => i.InstanceId);
    for (const i of res.Instances) ips[i.InstanceId] = i.PrivateIpAddress;
    assert.deepEqual(Object.values(ips).sort(), ["10.73.0.2", "10.73.0.3"]);
    // The gateway listens on the namespace's loopback, so the aws CLI (run inside it) is the client here.
    await until("both to run", () =>
      ok(["ec2", "describe-instances", "--instance-ids", ...ids]).Reservations.flatMap((r: any) => r.Instances).every((i: any) => i.State.Name === "running"),
    );
    for (const id of ids) await until(`${id} to accept SSH`, () => consoleText(id).includes("HIVE-GUEST-SSH-READY"));
    for (const id of ids) {
      const r = ssh(ips[id]!, "hostname; ip -4 addr show eth0 | grep inet");
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`${id}\\.ec2\\.internal`));
      assert.match(r.stdout, new RegExp(`inet ${ips[id]!.replaceAll(".", "\\.")}/24`));
    }
    const viaCli = runHive(["ssh", ids[0]!, "--print", "--data-dir", hive.dataDir], env);
    assert.match(viaCli.stdout, new RegExp(`ec2-user@${ips[ids[0]!]!.replaceAll(".", "\\.")}`));
  });

  test("the metadata service on the bridge knows each guest by its address, and tokens stay with their guest", () => {
    const [a, b] = ids as [string, string];
    const ta = tokenOf(ips[a]!);
    const tb = tokenOf(ips[b]!);
    assert.match(ta, /^[A-Za-z0-9_-]{20,}$/);
    const own = ssh(ips[a]!, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${ta}`])).stdout;
    assert.ok(own.trim().endsWith(a), own);
    const ipOf = ssh(ips[b]!, imds("GET", "/latest/meta-data/local-ipv4", [`X-aws-ec2-metadata-token: ${tb}`])).stdout;
    assert.ok(ipOf.trim().endsWith(ips[b]!), ipOf);
    assert.match(ssh(ips[a]!, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${tb}`])).stdout, /^HTTP\/1\.[01] 401/);
  });

  test("HttpPutResponseHopLimit: token responses reach the guest with the instance's hop limit as their TTL", () => {
    const [a] = ids as [string];
    probeTtls();
    const token = () => tokenOf(ips[a]!);
    const view = () => ok(["ec2", "describe-instances", "--instance-ids", a]).Reservations[0].Instances[0].MetadataOptions.HttpPutResponseHopLimit;
    assert.equal(view(), 1);
    assert.match(token(), /^[A-Za-z0-9_-]{20,}$/, "one hop: the instance itself gets its token");
    assert.ok(packets(1) > 0 && packets(5) === 0, `TTL 1: ${packets(1)}, TTL 5: ${packets(5)}`);

    const modified = ok(["ec2", "modify-instance-metadata-options", "--instance-id", a, "--http-put-response-hop-limit", "5"]);
    assert.equal(modified.InstanceMetadataOptions.HttpPutResponseHopLimit, 5);
    assert.equal(view(), 5);
    assert.match(token(), /^[A-Za-z0-9_-]{20,}$/);
    assert.ok(packets(5) > 0, "the new limit is on the wire as soon as the call returns");
    // Other metadata requests are not limited: they leave with the host's usual TTL.
    const before = packets(64);
    assert.match(ssh(ips[a]!, imds("GET", "/latest/meta-data/instance-id")).stdout, /^HTTP\/1\.[01] 200/);
    assert.ok(packets(64) > before, "a GET leaves with TTL 64");
  });

  test("after kill -9 of hive, the guests keep their network and a new hive serves their metadata again", async () => {
    const [a] = ids as [string];
    await hive.kill9();
    assert.equal(ssh(ips[a]!, "true").status, 0, "the guest lost its network when hive died");
    await hive.restart();
    assert.equal(ssh(ips[a]!, "true").status, 0, "the guest lost its network when hive came back");
    const ttl5 = packets(5);
    const token = tokenOf(ips[a]!);
    assert.ok(packets(5) > ttl5, "the instance's hop limit of 5 is back on the wire after the restart");
    const id = ssh(ips[a]!, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${token}`])).stdout;
    assert.ok(id.trim().endsWith(a), id);
    assert.equal(ok(["ec2", "describe-instances", "--instance-ids", a]).Reservations[0].Instances[0].State.Name, "running");
  });

  test("a terminated guest's address goes back to the pool and is never handed out twice meanwhile", async () => {
    const [a] = ids as [string];
    ok(["ec2", "terminate-instances", "--instance-ids", a]);
    await until("the termination", () => ok(["ec2", "describe-instances", "--instance-ids", a]).Reservations[0].Instances[0].State.Name === "terminated");
    const again = ok(["ec2", "run-instances", "--image-id", ok(["ec2", "describe-images"]).Images[0].ImageId, "--key-name", "me"]);
    assert.equal(again.Instances[0].PrivateIpAddress, ips[a], "the lowest free address is reused after termination");
    assert.notEqual(again.Instances[0].PrivateIpAddress, ips[ids[1]!]);
    ok(["ec2", "terminate-instances", "--instance-ids", again.Instances[0].InstanceId, ids[1]!]);
    await until("all terminated", () =>
      ok(["ec2", "describe-instances"]).Reservations.flatMap((r: any) => r.Instances).every((i: any) => i.State.Name === "terminated"),
    );
  });

  test("a stock cloud image takes its static address from the seed through cloud-init and is reached at it", async () => {
    assert.ok(fs.existsSync(CLOUD_IMAGE), `${CLOUD_IMAGE} is missing: run scripts/setup.sh --test`);
    const imported = runHive(["image", "import", CLOUD_IMAGE, "--name", "debian-cloud", "--data-dir", hive.dataDir], { HOME: hive.home, HIVE_NETNS: ns });
    assert.equal(imported.status, 0, imported.stderr);
    const script = path.join(tmp, "cloud.sh");
    fs.writeFileSync(script, "#!/bin/sh\necho cloud-bridge-user-data > /var/tmp/proof\n");
    const res = ok(["ec2", "run-instances", "--image-id", imported.stdout.trim(), "--instance-type", "t3.micro", "--key-name", "me", "--user-data", `file://${script}`]);
    const id = res.Instances[0].InstanceId;
    const ip = res.Instances[0].PrivateIpAddress;
    await until("SSH to the cloud image at its private address", () => ssh(ip, "test -f /var/tmp/proof", "debian").status === 0, 600_000);
    const r = ssh(ip, "ip -4 -o addr show scope global; ip route show default; cat /var/tmp/proof; cat /etc/network/interfaces.d/*", "debian");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inet ${ip.replaceAll(".", "\\.")}/24`));
    assert.match(r.stdout, /default via 10\.73\.0\.1/);
    assert.match(r.stdout, /cloud-bridge-user-data/);
    // The host's resolvers (as hive, inside the namespace, sees them) reach the guest's network configuration.
    const resolvers = inNs(["cat", "/etc/resolv.conf"]).stdout;
    const expected = usableResolvers(resolvers);
    if (expected.length) assert.match(r.stdout, new RegExp(`dns-nameservers ${expected.join(" ").replaceAll(".", "\\.")}`), r.stdout);
    ok(["ec2", "terminate-instances", "--instance-ids", id]);
    await until("its termination", () => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].State.Name === "terminated");
  });

  test("hive stopping with no guests left removes its bridge and NAT rules", async () => {
    assert.equal(inNs(["ip", "link", "show", "hivebr0"]).status, 0);
    hive.proc.kill("SIGTERM");
    await new Promise((r) => hive.proc.once("exit", r));
    assert.notEqual(inNs(["ip", "link", "show", "hivebr0"]).status, 0, "the bridge is still there");
    assert.doesNotMatch(inNs(["nft", "list", "tables"]).stdout, /hive/);
  });
});
