// The region tables' change capture and apply (store.region), on this runtime's driver: `node --test` runs it on
// better-sqlite3, `bun test` on bun:sqlite.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openDriver, type Driver } from "../../src/store/driver.ts";
import { migrate } from "../../src/store/migrate.ts";
import {
  migrations,
  openStore,
  REGION_TABLES,
  type InstanceRecord,
  type RegionChangeInput,
  type Store,
  type TagRecord,
  type VolumeRecord,
} from "../../src/store/index.ts";
import { instance as storeInstance } from "./store.cases.ts";

const T0 = "2026-01-01T00:00:00.000Z";

/** A bare database at the shipped schema, for what the store's API does not show (triggers, keys, raw SQL). */
const rawDb = async (): Promise<Driver> => {
  const db = await openDriver(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db, ":memory:", migrations);
  return db;
};

const tag = (resourceId: string, key: string, value: string, resourceType = "vpc"): TagRecord => ({ resourceId, resourceType, key, value });

// A box's instance: its row must never travel. The shared builder, with this suite's ids.
const instance = (id: string): InstanceRecord => storeInstance(0, { id, reservationId: "r-1", imageId: "ami-1", state: "running", node: "box-a" });

const volume = (id: string): VolumeRecord => ({
  id,
  sizeGiB: 8,
  volumeType: "gp3",
  state: "available",
  az: "us-east-1a",
  node: "box-a",
  file: `volumes/${id}.qcow2`,
  createdAt: T0,
  deleteOnTermination: false,
});

const keyPair = (id: string, name: string) =>
  ({ id, name, type: "ed25519", fingerprint: `fp-${id}`, publicKey: `ssh-ed25519 AAAA ${id}`, createdAt: T0 }) as const;

const image = (id: string, name: string) => ({
  id,
  name,
  state: "available" as const,
  architecture: "x86_64" as const,
  rootDeviceName: "/dev/xvda",
  sizeBytes: 2 * 1024 ** 3,
  file: `images/${id}.qcow2`,
  node: "box-a",
  ownerId: "000000000000",
  createdAt: T0,
});

/** A VPC with what hangs off it: blocks, subnets, a gateway, route tables, groups with rules, an interface, an EIP. */
const createVpc = (s: Store, n: number, netIndex: number): void => {
  const vpc = `vpc-${n}`;
  s.vpcs.dhcpOptions.insert({ id: `dopt-${n}`, domainName: "ec2.internal", domainNameServers: "AmazonProvidedDNS", createdAt: T0 });
  s.vpcs.insert(
    { id: vpc, cidr: `10.${n}.0.0/16`, isDefault: false, dhcpOptionsId: `dopt-${n}`, dnsSupport: true, dnsHostnames: false, tenancy: "default", netIndex, createdAt: T0 },
    [tag(vpc, "Name", `vpc ${n}`)],
  );
  s.vpcs.addCidrBlock({ associationId: `vpc-cidr-assoc-${n}a`, vpcId: vpc, cidr: `10.${n}.0.0/16`, primary: true });
  s.vpcs.addCidrBlock({ associationId: `vpc-cidr-assoc-${n}b`, vpcId: vpc, cidr: `10.${n + 100}.0.0/16`, primary: false });
  for (const [sub, third] of [["a", 1], ["b", 2]] as const) {
    s.subnets.insert(
      { id: `subnet-${n}${sub}`, vpcId: vpc, cidr: `10.${n}.${third}.0/24`, az: "us-east-1a", defaultForAz: false, mapPublicIp: false, hostnameType: "ip-name", dnsARecord: false, createdAt: T0 },
      [tag(`subnet-${n}${sub}`, "Name", `subnet ${sub}`, "subnet")],
    );
  }
  s.routeTables.internetGateways.insert({ id: `igw-${n}`, vpcId: vpc, createdAt: T0 });
  for (const rtb of [`rtb-${n}main`, `rtb-${n}b`]) {
    s.routeTables.insert({ id: rtb, vpcId: vpc, createdAt: T0 });
    s.routeTables.putRoute({ routeTableId: rtb, destination: `10.${n}.0.0/16`, gatewayId: "local", origin: "CreateRouteTable" });
  }
  s.routeTables.putRoute({ routeTableId: `rtb-${n}main`, destination: "0.0.0.0/0", gatewayId: `igw-${n}`, origin: "CreateRoute" });
  s.routeTables.addAssociation({ id: `rtbassoc-${n}main`, routeTableId: `rtb-${n}main`, main: true });
  s.routeTables.addAssociation({ id: `rtbassoc-${n}b`, routeTableId: `rtb-${n}b`, subnetId: `subnet-${n}b`, main: false });
  s.securityGroups.insert({ id: `sg-${n}default`, vpcId: vpc, name: "default", description: "default group", isDefault: true, createdAt: T0 });
  s.securityGroups.insert({ id: `sg-${n}web`, vpcId: vpc, name: "web", description: "web servers", isDefault: false, createdAt: T0 }, [tag(`sg-${n}web`, "tier", "web", "security-group")]);
  s.securityGroups.addRules([
    { id: `sgr-${n}ssh`, groupId: `sg-${n}web`, egress: false, protocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "ssh" },
    { id: `sgr-${n}peer`, groupId: `sg-${n}web`, egress: false, protocol: "-1", referencedGroupId: `sg-${n}default` },
    { id: `sgr-${n}out`, groupId: `sg-${n}web`, egress: true, protocol: "-1", cidrIpv4: "0.0.0.0/0" },
  ]);
  s.networkInterfaces.insert({
    id: `eni-${n}`, subnetId: `subnet-${n}a`, vpcId: vpc, az: "us-east-1a", mac: `02:00:00:00:00:0${n}`, privateIp: `10.${n}.1.4`,
    description: "", sourceDestCheck: true, interfaceType: "interface", instanceId: `i-${n}`, deviceIndex: 0,
    attachmentId: `eni-attach-${n}`, attachTime: T0, deleteOnTermination: true, node: "box-a", createdAt: T0,
  });
  s.networkInterfaces.setGroups(`eni-${n}`, [`sg-${n}web`, `sg-${n}default`]);
  s.networkInterfaces.addresses.insert({ allocationId: `eipalloc-${n}`, publicIp: `198.51.100.${n}`, associationId: `eipassoc-${n}`, networkInterfaceId: `eni-${n}`, privateIp: `10.${n}.1.4`, createdAt: T0 });
};

/** Moves a's pending changes into b, `batch` at a time, as a publisher and an applier would; answers what b refused. */
const replicate = (a: Store, b: Store, batch = 1000): { skipped: unknown[]; parked: number } => {
  const out = { skipped: [] as unknown[], parked: 0 };
  for (let changes = a.region.pending(batch); changes.length > 0; changes = a.region.pending(batch)) {
    const r = b.region.apply(changes.map(({ table, key, row }) => ({ table, key, row })));
    out.skipped.push(...r.skipped);
    out.parked += r.parked.length;
    a.region.acknowledge(changes[changes.length - 1].seq);
  }
  return out;
};

/** What the repositories show of the region, read without store.region. */
const regionView = (s: Store) => ({
  vpcs: s.vpcs.list(),
  blocks: s.vpcs.cidrBlocks(),
  dhcp: s.vpcs.dhcpOptions.list(),
  subnets: s.subnets.list(),
  gateways: s.routeTables.internetGateways.list(),
  routeTables: s.routeTables.list(),
  routes: s.routeTables.routes(),
  associations: s.routeTables.associations(),
  groups: s.securityGroups.list(),
  // rules() lists in insertion (rowid) order, which is the box's own: a replica inserts in the order changes arrive.
  rules: s.securityGroups.rules().sort((x, y) => x.id.localeCompare(y.id)),
  interfaces: s.networkInterfaces.list(),
  interfaceGroups: [...s.networkInterfaces.groups(s.networkInterfaces.list().map((i) => i.id))],
  addresses: s.networkInterfaces.addresses.list(),
  keyPairs: s.keyPairs.list(),
  images: s.images.list().map((i) => ({
    ...i,
    devices: s.images.blockDevices(i.id),
    permissions: s.images.launchPermissions([i.id]).get(i.id),
    lastLaunched: s.images.lastLaunched(i.id),
  })),
  tags: s.tags.list().filter((t) => !/^(i|r|vol|snap)-/.test(t.resourceId)),
});

const assertSameRegion = (a: Store, b: Store): void => {
  assert.deepEqual(b.region.snapshot(), a.region.snapshot());
  assert.deepEqual(regionView(b), regionView(a));
};

const withStores = async (fn: (a: Store, b: Store) => void | Promise<void>): Promise<void> => {
  const a = await openStore(":memory:");
  const b = await openStore(":memory:");
  try {
    await fn(a, b);
  } finally {
    a.close();
    b.close();
  }
};

const pendingKeys = (s: Store): Array<[string, unknown[], boolean]> => s.region.pending(1000).map((c) => [c.table, c.key, c.row !== null]);

test("migration 10 is the region change log", () => {
  assert.deepEqual({ version: migrations[9].version, name: migrations[9].name }, { version: 10, name: "region change log" });
});

test("migration 10 applies to a database at version 9; rows already there are in snapshots, not queued", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-region-"));
  try {
    const path = join(dir, "hive.db");
    const old = await openStore(path, { migrations: migrations.slice(0, 9) });
    old.keyPairs.insert(keyPair("key-1", "one"));
    old.close();
    const s = await openStore(path);
    try {
      // 10 and every migration after it (later ones add their own tables).
      assert.deepEqual(s.migration.applied, migrations.filter((m) => m.version >= 10).map((m) => m.version));
      assert.deepEqual(s.region.pending(10), []);
      assert.deepEqual(s.region.snapshot().map((c) => c.key), [["key-1"]]);
    } finally {
      s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every declared region table exists and its declared key is its primary key", async () => {
  const db = await rawDb();
  try {
    for (const t of REGION_TABLES) {
      const cols = db.all<{ name: string; pk: number }>("SELECT name, pk FROM pragma_table_info(?)", t.name);
      assert.ok(cols.length > 0, `${t.name} exists`);
      const pk = cols.filter((c) => c.pk > 0).sort((x, y) => x.pk - y.pk).map((c) => c.name);
      assert.deepEqual(pk, t.key, t.name);
      if (t.resourceColumn) assert.ok(t.key.includes(t.resourceColumn), `${t.name}'s resource column is in its key`);
    }
  } finally {
    db.close();
  }
});

test("the triggers cover exactly the region tables and record their real primary keys", async () => {
  const db = await rawDb();
  try {
    const triggers = db.all<{ name: string; tbl_name: string; sql: string }>("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'");
    assert.deepEqual([...new Set(triggers.map((t) => t.tbl_name))].sort(), REGION_TABLES.map((t) => t.name).sort());
    for (const t of REGION_TABLES) {
      const pk = db.all<{ name: string; pk: number }>("SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", t.name).map((c) => c.name);
      const json = (ref: string) => `json_array(${pk.map((c) => `${ref}.${c}`).join(", ")})`;
      const on = (op: string) => triggers.find((x) => x.tbl_name === t.name && x.name === `region_${t.name}_${op}`)?.sql ?? "";
      assert.equal(triggers.filter((x) => x.tbl_name === t.name).length, 3, t.name);
      assert.match(on("insert"), new RegExp(`AFTER INSERT ON ${t.name}\\b`));
      assert.ok(on("insert").includes(`'${t.name}', ${json("NEW")}`), `${t.name} insert records NEW's key`);
      assert.ok(on("delete").includes(`'${t.name}', ${json("OLD")}`), `${t.name} delete records OLD's key`);
      assert.ok(on("update").includes(`'${t.name}', ${json("OLD")}`) && on("update").includes(`'${t.name}', ${json("NEW")}`), `${t.name} update records both keys`);
      for (const op of ["insert", "update", "delete"]) assert.ok(on(op).includes("region_apply_guard WHERE active = 1"), `${t.name} ${op} honours the guard`);
    }
  } finally {
    db.close();
  }
});

test("only region tables hold foreign keys, and each points at a table declared before it", async () => {
  const db = await rawDb();
  try {
    const tables = db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").map((t) => t.name);
    const order = REGION_TABLES.map((t) => t.name);
    for (const table of tables) {
      for (const fk of db.all<{ table: string }>("SELECT * FROM pragma_foreign_key_list(?)", table)) {
        assert.ok(order.includes(table), `${table} references ${fk.table} but is not a region table`);
        assert.ok(order.indexOf(fk.table) < order.indexOf(table), `${fk.table} is declared before ${table}`);
      }
    }
  } finally {
    db.close();
  }
});

test("a changed primary key records the old key and the new; the guard stops capture", async () => {
  const db = await rawDb();
  try {
    db.run("INSERT INTO tags VALUES ('vpc-1', 'vpc', 'a', '1')");
    db.run("UPDATE tags SET value = '2' WHERE resource_id = 'vpc-1'");
    db.run("UPDATE tags SET key = 'b' WHERE resource_id = 'vpc-1'");
    db.run("UPDATE region_apply_guard SET active = 1");
    db.run("DELETE FROM tags");
    db.run("UPDATE region_apply_guard SET active = 0");
    const rows = db.all<{ tbl: string; pk: string }>("SELECT tbl, pk FROM region_outbox ORDER BY seq");
    assert.deepEqual(rows.map((r) => r.pk), ['["vpc-1","a"]', '["vpc-1","a"]', '["vpc-1","a"]', '["vpc-1","b"]']);
  } finally {
    db.close();
  }
});

test("inserts, updates and deletes are captured with their primary keys", () =>
  withStores((a) => {
    a.keyPairs.insert(keyPair("key-1", "one"), [tag("key-1", "team", "ops", "key-pair")]);
    assert.deepEqual(pendingKeys(a), [["key_pairs", ["key-1"], true], ["tags", ["key-1", "team"], true]]);
    a.region.acknowledge(a.region.pending(10).at(-1)!.seq);

    createVpc(a, 1, 1);
    const created = pendingKeys(a);
    assert.ok(created.some(([t, k]) => t === "routes" && JSON.stringify(k) === '["rtb-1main","0.0.0.0/0"]'));
    assert.ok(created.some(([t, k]) => t === "network_interface_groups" && JSON.stringify(k) === '["eni-1","sg-1web"]'));
    assert.deepEqual(new Set(created.map(([t]) => t)).size, 14, "every network table but the image ones and key pairs");
    a.region.acknowledge(a.region.pending(1000).at(-1)!.seq);

    a.vpcs.update("vpc-1", { dnsHostnames: true });
    a.routeTables.deleteRoute("rtb-1main", "0.0.0.0/0");
    a.images.insert(image("ami-1", "img"));
    a.images.putBlockDevices([{ imageId: "ami-1", deviceName: "/dev/sdf", volumeSizeGiB: 4, volumeType: "gp3", deleteOnTermination: true }]);
    assert.deepEqual(pendingKeys(a), [
      ["vpcs", ["vpc-1"], true],
      ["routes", ["rtb-1main", "0.0.0.0/0"], false],
      ["images", ["ami-1"], true],
      ["image_block_devices", ["ami-1", "/dev/sdf"], true],
    ]);
    assert.equal(a.region.pending(1000)[0].row?.dns_hostnames, 1);
  }));

test("a row deleted by a cascade is captured too", () =>
  withStores((a) => {
    createVpc(a, 1, 1);
    a.region.acknowledge(a.region.pending(1000).at(-1)!.seq);
    a.networkInterfaces.addresses.delete("eipalloc-1");
    a.networkInterfaces.delete("eni-1");
    assert.deepEqual(pendingKeys(a), [
      ["addresses", ["eipalloc-1"], false],
      ["network_interface_groups", ["eni-1", "sg-1default"], false],
      ["network_interface_groups", ["eni-1", "sg-1web"], false],
      ["network_interfaces", ["eni-1"], false],
    ]);
  }));

test("tags of instances, reservations, volumes and snapshots, and the box's own tables, are not captured", () =>
  withStores((a) => {
    a.instances.insertLaunch({ instances: [instance("i-1")], volumes: [volume("vol-1")], tags: [tag("i-1", "Name", "web", "instance")] });
    a.tags.put([tag("r-1", "k", "v", "reservation"), tag("vol-1", "k", "v", "volume"), tag("snap-1", "k", "v", "snapshot")]);
    a.tags.put([tag("i-1", "Name", "db", "instance")]);
    a.tags.delete([{ resourceId: "vol-1", key: "k" }]);
    a.instances.update("i-1", { state: "stopped" });
    assert.deepEqual(a.region.pending(100), []);
    a.tags.put([tag("igw-1", "k", "v", "internet-gateway")]);
    assert.deepEqual(pendingKeys(a), [["tags", ["igw-1", "k"], true]]);
  }));

test("pending answers each row once, in order of its last change, and acknowledge forgets up to a seq", () =>
  withStores((a) => {
    a.keyPairs.insert(keyPair("key-1", "one"));
    a.keyPairs.insert(keyPair("key-2", "two"));
    a.tags.put([tag("key-1", "k", "1", "key-pair")]);
    a.tags.put([tag("key-1", "k", "2", "key-pair")]);
    a.keyPairs.delete("key-2");
    const all = a.region.pending(100);
    assert.deepEqual(all.map((c) => [c.table, c.key[0], c.row?.value]), [
      ["key_pairs", "key-1", undefined],
      ["tags", "key-1", "2"],
      ["key_pairs", "key-2", undefined],
    ]);
    assert.equal(all[2].row, null);
    assert.ok(all[0].seq < all[1].seq && all[1].seq < all[2].seq);
    assert.deepEqual(a.region.pending(2), all.slice(0, 2));
    a.region.acknowledge(all[1].seq);
    assert.deepEqual(a.region.pending(100), all.slice(2));
    a.region.acknowledge(all[2].seq);
    assert.deepEqual(a.region.pending(100), []);
  }));

test("replicates a VPC's life, key pairs, images and tags into another store, table for table", () =>
  withStores((a, b) => {
    // Box-local rows on both sides stay out of it.
    a.instances.insertLaunch({ instances: [instance("i-1")], volumes: [volume("vol-1")], tags: [tag("i-1", "Name", "a", "instance")] });
    createVpc(a, 1, 1);
    createVpc(a, 2, 2);
    a.keyPairs.insert(keyPair("key-1", "one"), [tag("key-1", "team", "ops", "key-pair")]);
    a.keyPairs.insert(keyPair("key-2", "two"));
    a.images.insert(image("ami-1", "img"));
    a.images.putBlockDevices([{ imageId: "ami-1", deviceName: "/dev/sdf", snapshotId: "snap-1", volumeSizeGiB: 4, volumeType: "io2", iops: 500, deleteOnTermination: false }]);
    a.tags.put([tag("ami-1", "os", "alpine", "image")]);
    a.images.changeLaunchPermissions("ami-1", [{ granteeType: "group", grantee: "all" }, { granteeType: "user", grantee: "111122223333" }], []);
    a.images.recordLaunch("ami-1", "node-a", "2026-01-02T00:00:00.000Z");
    // A parent changed after its children comes after them: small batches make replicas see children first.
    a.vpcs.update("vpc-1", { dnsSupport: false });
    a.securityGroups.update("sg-1default", { description: "changed" });
    let r = replicate(a, b, 3);
    assert.deepEqual(r.skipped, []);
    assert.ok(r.parked > 0, "some children arrived before their parents");
    assertSameRegion(a, b);
    assert.deepEqual(b.region.pending(1000), [], "applied changes are not queued again");
    assert.deepEqual(b.instances.list(), []);
    assert.deepEqual(b.tags.forResource("i-1"), []);

    a.vpcs.update("vpc-1", { dnsHostnames: true, dhcpOptionsId: null });
    a.subnets.update("subnet-1a", { mapPublicIp: true });
    a.routeTables.putRoute({ routeTableId: "rtb-1main", destination: "0.0.0.0/0", gatewayId: "local", origin: "CreateRoute" });
    a.routeTables.deleteRoute("rtb-1b", "10.1.0.0/16");
    a.routeTables.updateAssociation("rtbassoc-1b", "rtb-1main");
    a.securityGroups.updateRule("sgr-1peer", { description: "from the default group" });
    a.securityGroups.deleteRules(["sgr-1ssh"]);
    a.networkInterfaces.setGroups("eni-1", ["sg-1default"]);
    a.networkInterfaces.addresses.update("eipalloc-1", { associationId: null, networkInterfaceId: null, privateIp: null });
    a.tags.put([tag("vpc-1", "Name", "renamed")]);
    a.tags.delete([{ resourceId: "subnet-1a", key: "Name" }]);
    a.images.changeLaunchPermissions("ami-1", [], [{ granteeType: "group", grantee: "all" }]);
    a.images.setState("ami-1", "deregistered");
    a.keyPairs.delete("key-1");
    r = replicate(a, b, 4);
    assert.deepEqual(r.skipped, []);
    assertSameRegion(a, b);
    assert.equal(b.vpcs.get("vpc-1")?.dnsHostnames, true);
    assert.equal(b.images.get("ami-1")?.state, "deregistered");
    assert.deepEqual(b.images.launchPermissions(["ami-1"]).get("ami-1"), [{ granteeType: "user", grantee: "111122223333" }]);

    // vpc-2 goes entirely, children first as the handlers do; vpc-1 loses a subnet, a gateway, an interface.
    a.networkInterfaces.addresses.delete("eipalloc-2");
    a.networkInterfaces.delete("eni-2");
    a.securityGroups.deleteRules(["sgr-2ssh", "sgr-2peer", "sgr-2out"]);
    for (const sg of ["sg-2web", "sg-2default"]) a.securityGroups.delete(sg);
    for (const assoc of ["rtbassoc-2b", "rtbassoc-2main"]) a.routeTables.deleteAssociation(assoc);
    for (const rtb of ["rtb-2b", "rtb-2main"]) a.routeTables.delete(rtb);
    a.routeTables.internetGateways.delete("igw-2");
    for (const sub of ["subnet-2a", "subnet-2b"]) a.subnets.delete(sub);
    a.vpcs.delete("vpc-2");
    a.vpcs.dhcpOptions.delete("dopt-2");
    a.networkInterfaces.delete("eni-1");
    a.routeTables.deleteAssociation("rtbassoc-1b");
    a.subnets.delete("subnet-1b");
    a.routeTables.internetGateways.delete("igw-1");
    a.vpcs.removeCidrBlock("vpc-cidr-assoc-1b");
    r = replicate(a, b, 5);
    assert.deepEqual(r.skipped, []);
    assertSameRegion(a, b);
    assert.equal(b.vpcs.get("vpc-2"), undefined);
    assert.deepEqual(b.vpcs.cidrBlocks("vpc-2"), []);
    assert.deepEqual(b.region.pending(1000), []);
  }));

test("replicates SSM parameters: versions, labels, their own tags and public names, deletes cascading", () =>
  withStores((a, b) => {
    const version = (name: string, v: number, value: string) => ({
      name, version: v, type: "String" as const, value, dataType: "text", tier: "Standard" as const, modifiedAt: T0, modifiedBy: "arn:aws:iam::123456789012:user/admin",
    });
    const parameterView = (s: Store) => ({
      latest: s.parameters.latestUnder(""),
      history: s.parameters.history("/app/db"),
      tags: s.parameters.tags("i-lookalike"),
      published: s.publicParameters.under(""),
    });
    a.parameters.putVersion(version("/app/db", 1, "one"), [{ key: "team", value: "ops" }]);
    a.parameters.putVersion(version("/app/db", 2, "two"));
    a.parameters.setLabel("/app/db", "prod", 1);
    // A parameter named like an instance is the region's all the same.
    a.parameters.putVersion(version("i-lookalike", 1, "x"), [{ key: "k", value: "v" }]);
    a.images.insert(image("ami-1", "img"));
    a.publicParameters.publish("/aws/service/hive/img/latest", "ami-1", T0);
    assert.deepEqual(replicate(a, b, 2).skipped, []);
    assertSameRegion(a, b);
    assert.deepEqual(parameterView(b), parameterView(a));
    assert.deepEqual(b.parameters.labelled("/app/db", "prod")?.value, "one");

    a.parameters.setLabel("/app/db", "prod", 2);
    a.parameters.deleteVersion("/app/db", 1);
    a.parameters.delete("i-lookalike");
    a.publicParameters.removeImage("ami-1");
    assert.deepEqual(replicate(a, b, 3).skipped, []);
    assertSameRegion(a, b);
    assert.deepEqual(parameterView(b), parameterView(a));
    assert.equal(b.parameters.latest("i-lookalike"), undefined);
    assert.deepEqual(b.publicParameters.under(""), []);
  }));

test("a snapshot seeds an empty store with the same region", () =>
  withStores((a, b) => {
    createVpc(a, 1, 1);
    a.keyPairs.insert(keyPair("key-1", "one"), [tag("key-1", "team", "ops", "key-pair")]);
    a.tags.put([tag("i-1", "Name", "box", "instance")]);
    const snap = a.region.snapshot();
    assert.ok(snap.every((c) => c.seq === 0));
    assert.ok(!snap.some((c) => c.table === "tags" && c.key[0] === "i-1"), "box tags are not the region's");
    const tables = snap.map((c) => c.table);
    assert.ok(tables.indexOf("vpcs") < tables.indexOf("subnets") && tables.indexOf("network_interfaces") < tables.indexOf("network_interface_groups"));
    const r = b.region.apply(snap.map(({ table, key, row }) => ({ table, key, row })));
    assert.deepEqual(r, { applied: snap.length, skipped: [], parked: [] });
    assertSameRegion(a, b);
  }));

test("a change breaking a unique constraint is skipped alone", () =>
  withStores((a, b) => {
    b.keyPairs.insert(keyPair("key-b", "shared"));
    b.images.insert(image("ami-b", "img"));
    a.keyPairs.insert(keyPair("key-a", "shared"), [tag("key-a", "team", "ops", "key-pair")]);
    a.images.insert(image("ami-a", "img"));
    a.keyPairs.insert(keyPair("key-c", "other"));
    const changes = a.region.pending(100);
    const r = b.region.apply(changes);
    assert.equal(r.applied, 2, "key-a's tag and key-c");
    assert.deepEqual(r.skipped.map((s) => [s.table, s.key]), [["key_pairs", ["key-a"]], ["images", ["ami-a"]]]);
    assert.match(r.skipped[0].reason, /UNIQUE constraint failed: key_pairs\.name/);
    assert.match(r.skipped[1].reason, /UNIQUE constraint failed: images\.name/);
    assert.deepEqual(b.keyPairs.list().map((k) => k.id), ["key-c", "key-b"]);
    assert.equal(b.tags.forResource("key-a").length, 1);
  }));

test("unknown tables and columns, box rows and malformed changes are skipped without running", () =>
  withStores((a, b) => {
    a.keyPairs.insert(keyPair("key-1", "one"));
    const good = a.region.pending(10)[0];
    const kp = good.row!;
    const bad: RegionChangeInput[] = [
      { table: "instances", key: ["i-1"], row: null },
      { table: "key_pairs; DROP TABLE vpcs; --", key: ["x"], row: null },
      { table: "key_pairs", key: ["key-9"], row: { ...kp, id: "key-9", name: "nine", 'name" = 1; DROP TABLE vpcs; --': 1 } },
      { table: "key_pairs", key: ["key-8"], row: { ...kp, id: "key-8", name: "eight", public_key: { nested: true } } },
      { table: "key_pairs", key: ["key-7", "extra"], row: null },
      { table: "key_pairs", key: ["key-6"], row: { ...kp, id: "key-5", name: "five" } },
      { table: "key_pairs", key: ["key-4"], row: { id: "key-4", name: "four" } },
      { table: "tags", key: ["i-1", "Name"], row: tag("i-1", "Name", "x", "instance") as unknown as Record<string, unknown> },
      null as unknown as RegionChangeInput,
    ];
    const r = b.region.apply([...bad, good]);
    assert.equal(r.applied, 1);
    assert.deepEqual(r.skipped.map((s) => s.reason.split(":")[0].split(" ")[0]), [
      "not", "not", "unknown", "column", "key", "row", "NOT", "i-1", "not",
    ]);
    assert.deepEqual(b.keyPairs.list().map((k) => k.id), ["key-1"]);
    assert.deepEqual(b.vpcs.list(), []);
  }));

test("a row whose parent has not arrived is parked, with what cascades from it, and lands with the parent", () =>
  withStores((a, b) => {
    createVpc(a, 1, 1);
    const all = a.region.pending(1000);
    const first = all.filter((c) => ["network_interfaces", "network_interface_groups"].includes(c.table));
    const rest = all.filter((c) => !first.includes(c));
    let r = b.region.apply(first);
    assert.equal(r.applied, 0);
    assert.deepEqual(r.parked.map((p) => p.table).sort(), ["network_interface_groups", "network_interface_groups", "network_interfaces"]);
    assert.match(r.parked.find((p) => p.table === "network_interfaces")!.reason, /waits for its (subnets|vpcs) row/);
    assert.deepEqual(b.networkInterfaces.list(), []);
    r = b.region.apply(rest);
    assert.deepEqual([r.skipped, r.parked], [[], []]);
    assertSameRegion(a, b);
  }));

test("a parent's delete cascades on the replica as it did at the source; a parked row goes with its delete", () =>
  withStores((a, b) => {
    createVpc(a, 1, 1);
    replicate(a, b);
    a.networkInterfaces.setGroups("eni-1", ["sg-1default"]);
    a.securityGroups.delete("sg-1web");
    const changes = a.region.pending(1000);
    // The group's delete alone takes its rules along, as the source's cascade did.
    b.region.apply(changes.filter((c) => c.table !== "security_group_rules"));
    assert.deepEqual(b.securityGroups.rules("sg-1web"), []);
    b.region.apply(changes);
    assertSameRegion(a, b);

    const subnet = b.subnets.get("subnet-1a")!;
    const orphan = { table: "subnets", key: ["subnet-9"], row: { ...b.region.snapshot().find((c) => c.key[0] === subnet.id)!.row, id: "subnet-9", vpc_id: "vpc-9" } };
    assert.equal(b.region.apply([orphan]).parked.length, 1);
    assert.deepEqual(b.region.apply([{ ...orphan, row: null }]), { applied: 1, skipped: [], parked: [] });
    const vpc = b.region.snapshot().find((c) => c.table === "vpcs")!.row;
    b.region.apply([{ table: "vpcs", key: ["vpc-9"], row: { ...vpc, id: "vpc-9", net_index: 9 } }]);
    assert.ok(b.vpcs.get("vpc-9"));
    assert.equal(b.subnets.get("subnet-9"), undefined, "the parked subnet was dropped by its delete");
  }));

test("apply keeps the revision with its batch; lastApplied starts at 0", () =>
  withStores((a, b) => {
    assert.equal(b.region.lastApplied(), 0);
    a.keyPairs.insert(keyPair("key-1", "one"));
    b.region.apply(a.region.pending(10), 41);
    assert.equal(b.region.lastApplied(), 41);
    b.region.setLastApplied(42);
    assert.equal(b.region.lastApplied(), 42);
    assert.equal(b.getSetting("region.revision"), "42");
  }));

test("clear empties the region's tables and outbox and leaves the box's rows; capture goes on after", () =>
  withStores((a) => {
    a.instances.insertLaunch({ instances: [instance("i-1")], volumes: [volume("vol-1")], tags: [tag("i-1", "Name", "a", "instance")] });
    a.tags.put([tag("vol-1", "k", "v", "volume")]);
    createVpc(a, 1, 1);
    a.keyPairs.insert(keyPair("key-1", "one"), [tag("key-1", "team", "ops", "key-pair")]);
    a.images.insert(image("ami-1", "img"));
    a.region.setLastApplied(7);
    a.region.clear();
    assert.deepEqual(a.region.snapshot(), []);
    assert.deepEqual(a.region.pending(1000), []);
    assert.equal(a.region.lastApplied(), 0);
    assert.deepEqual(a.instances.list().map((i) => i.id), ["i-1"]);
    assert.deepEqual(a.volumes.list().map((v) => v.id), ["vol-1"]);
    assert.deepEqual(a.tags.list().map((t) => t.resourceId), ["i-1", "vol-1"]);
    a.keyPairs.insert(keyPair("key-2", "two"));
    assert.deepEqual(pendingKeys(a), [["key_pairs", ["key-2"], true]]);
  }));
