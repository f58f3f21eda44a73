// The daemon's plans for the VPC data plane, read from the store: which VPC the host routes to, the subnets' gateways
// and internet reach, AmazonProvidedDNS, and the guest network a seed describes.

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import type { ActionRequest } from "../../src/actions/index.ts";
import { guestNetwork, vpcPlans } from "../../src/daemon/network/index.ts";
import { ensureDefaultVpc, vpcHandlers } from "../../src/daemon/vpc/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const ctx = testContext({ network: { mode: "vpc" } });
const req = <T>(input: T) => ({ input, requestId: "r", nodes: 1 }) as unknown as ActionRequest<T>;

let store: Store;
let defaultVpc: string;
beforeEach(async () => {
  store = await openStore(":memory:");
  defaultVpc = ensureDefaultVpc(ctx, store)!;
});

test("the default VPC's plan: its /20 subnet routed to the internet, the router at base+1, DNS at base+2", () => {
  const [plan] = vpcPlans(ctx, store, "hive-test", [defaultVpc]);
  assert.equal(plan!.vpcId, defaultVpc);
  assert.equal(plan!.namespace, "hive-test-v1");
  assert.deepEqual(plan!.cidrs, ["172.31.0.0/16"]);
  assert.equal(plan!.dnsIp, "172.31.0.2");
  assert.deepEqual(plan!.subnets.map((s) => [s.cidr, s.gateway, s.internet]), [["172.31.0.0/20", "172.31.0.1", true]]);
  assert.equal(plan!.hostRoute, true);
  assert.equal(plan!.groups.length, 1, "the default group");
});

test("the host routes a block to the first VPC that has it, and never over a route the host already has", async () => {
  const h = vpcHandlers(ctx, store, { vpcChanged: () => {} });
  const a = (await h.CreateVpc(req({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const b = (await h.CreateVpc(req({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const routed = (hostRoutes: string[] = []) =>
    Object.fromEntries(vpcPlans(ctx, store, "hive-test", [defaultVpc, a, b], hostRoutes).map((p) => [p.vpcId, p.hostRoute]));
  assert.deepEqual(routed(), { [defaultVpc]: true, [a]: true, [b]: false });
  assert.deepEqual(routed(["172.31.5.0/24", "192.168.1.0/24"]), { [defaultVpc]: false, [a]: true, [b]: false });
  assert.deepEqual(routed(["10.0.0.0/8"]), { [defaultVpc]: true, [a]: false, [b]: false });
});

test("a VPC without DNS support has no resolver in its plan", async () => {
  const h = vpcHandlers(ctx, store, { vpcChanged: () => {} });
  await h.ModifyVpcAttribute(req({ VpcId: defaultVpc, EnableDnsHostnames: { Value: false } }));
  await h.ModifyVpcAttribute(req({ VpcId: defaultVpc, EnableDnsSupport: { Value: false } }));
  const [plan] = vpcPlans(ctx, store, "hive-test", [defaultVpc]);
  assert.equal(plan!.dnsIp, undefined);
});

test("guestNetwork: no primary interface, no network; the seed's view follows the VPC's DHCP options", async () => {
  assert.equal(guestNetwork(ctx, store, "i-0123456789abcdef0"), undefined);
  const subnet = store.subnets.forVpc(defaultVpc)[0]!;
  store.networkInterfaces.insert({
    id: "eni-0123456789abcdef0", subnetId: subnet.id, vpcId: defaultVpc, az: ctx.az, mac: "52:54:00:00:00:01", privateIp: "172.31.0.4",
    description: "", sourceDestCheck: true, interfaceType: "interface", instanceId: "i-0123456789abcdef0", deviceIndex: 0, createdAt: "x",
  });
  assert.deepEqual(guestNetwork(ctx, store, "i-0123456789abcdef0"), {
    address: "172.31.0.4/20", gateway: "172.31.0.1", nameservers: ["172.31.0.2"], search: ["ec2.internal"],
  });
  const h = vpcHandlers(ctx, store, { vpcChanged: () => {} });
  const dopt = (await h.CreateDhcpOptions(req({ DhcpConfigurations: [
    { Key: "domain-name", Values: ["corp.example"] }, { Key: "domain-name-servers", Values: ["10.9.9.9", "AmazonProvidedDNS"] },
  ] }))).DhcpOptions!.DhcpOptionsId!;
  await h.AssociateDhcpOptions(req({ DhcpOptionsId: dopt, VpcId: defaultVpc }));
  const net = guestNetwork(ctx, store, "i-0123456789abcdef0")!;
  assert.deepEqual([net.nameservers, net.search], [["10.9.9.9", "172.31.0.2"], ["corp.example"]]);
});
