// This box's VPC data plane, kept in line with the store: a router namespace per VPC it has guests in, their ports,
// security groups, NAT and Elastic IPs (src/net), the metadata service on each VPC's transit address, and each VPC's
// AmazonProvidedDNS. Changes are applied per VPC, one at a time, coalesced: a burst of rule changes is one apply.

import fs from "node:fs";
import path from "node:path";
import type { MetadataService } from "../../metadata/index.ts";
import {
  applyVpc,
  bridgeInUse,
  foreignRoutes,
  DEFAULT_BRIDGE,
  teardownBridge,
  createPort,
  deletePort,
  hostResolvers,
  listVpcNamespaces,
  netnsExecPrefix,
  privateDnsDomain,
  privateDnsName,
  removeVpc,
  setupVpcHost,
  startVpcDns,
  stopVpcDns,
  tapNameFor,
  teardownVpcHost,
  transitAddresses,
  updateVpcDns,
  vpcNamespace,
  VPC_DNS_IP,
  type VpcDnsHost,
  type VpcPlan,
} from "../../net/index.ts";
import { runtimeDir, scopeOf } from "../../runtime/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext, NetworkChanges } from "../shared/index.ts";
import { PORT_STATES, vpcPlans } from "./vpc-plans.ts";

/** What a launch needs to put its guest on the network: QEMU runs in the VPC's namespace and opens the tap there. */
export interface GuestPort {
  tap: string;
  /** The command prefix that starts QEMU in the VPC's namespace. */
  netnsPrefix: string[];
}

/** What the instance lifecycle asks of the data plane (bridge mode). */
export interface GuestPorts {
  /** Puts the instance's primary interface on its VPC's router, guarded, before QEMU starts. */
  preparePort(instanceId: string): Promise<GuestPort>;
  /** Removes a terminated guest's port (before its interface record goes). */
  releasePort(instanceId: string): Promise<void>;
  /** Applies the instance's VPC now and waits: a changed hop limit is on the wire when this returns. */
  syncInstance(instanceId: string): Promise<void>;
}

/** A short name for everything this appliance creates on the host, from its data directory (two may share a host). */
export { scopeOf };

export class VpcNetwork implements NetworkChanges, GuestPorts {
  readonly scope: string;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly pending = new Set<string>();
  private closed = false;
  /** The host's own routes, read at start: VPC blocks overlapping them are not routed from the host. */
  private hostRoutes: string[] = [];

  constructor(
    private readonly ctx: DaemonContext,
    private readonly store: Store,
    private readonly metadata: MetadataService,
    private readonly log: (line: string) => void,
  ) {
    this.scope = scopeOf(ctx.dataDir);
  }

  /** Prepares the host and brings every VPC this box has guests in up to date; removes VPC namespaces no guest needs. */
  async start(): Promise<void> {
    await this.retireBridge();
    await setupVpcHost({ scope: this.scope, publicCidr: this.ctx.publicCidr, log: this.log });
    this.hostRoutes = await foreignRoutes(this.scope);
    const plans = this.plans();
    for (const p of plans.filter((p) => !p.hostRoute)) {
      this.log(`hive: ${p.vpcId} (${p.cidrs.join(", ")}) is not routed from the host: an earlier VPC or a host route has its addresses`);
    }
    const wanted = new Set(plans.map((p) => p.index));
    // Resolvers first: a dnsmasq left in a namespace would keep it alive after `ip netns del`.
    for (const vpcId of this.dnsVpcs()) {
      if (!plans.some((p) => p.vpcId === vpcId && p.dnsIp)) await stopVpcDns(this.dnsDir(vpcId)).catch(() => false);
    }
    for (const { index } of await listVpcNamespaces(this.scope)) {
      if (!wanted.has(index)) await removeVpc(this.scope, index, { log: this.log });
    }
    for (const plan of plans) await this.applyPlan(plan);
    this.log(`hive: VPC data plane ${this.scope}: ${plans.length} VPC(s) with guests on this box`);
  }

  vpcChanged(vpcId: string): void {
    if (this.closed || this.pending.has(vpcId)) return;
    this.pending.add(vpcId);
    const prev = this.queues.get(vpcId) ?? Promise.resolve();
    const next = prev
      .then(() => {
        this.pending.delete(vpcId);
        return this.apply(vpcId);
      })
      .catch((err: unknown) => this.log(`VPC ${vpcId}: the data plane could not be applied: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        if (this.queues.get(vpcId) === next) this.queues.delete(vpcId);
      });
    this.queues.set(vpcId, next);
  }

  /** Waits for every change asked for so far to be applied (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  /** Puts the instance's primary interface on its VPC's router (applying the VPC first, so the port is guarded) and says how QEMU opens it. */
  async preparePort(instanceId: string): Promise<GuestPort> {
    const eni = this.store.networkInterfaces.forInstance(instanceId).find((e) => e.deviceIndex === 0);
    if (!eni) throw new Error(`instance ${instanceId} has no primary network interface`);
    const plan = this.plans([eni.vpcId]).find((p) => p.vpcId === eni.vpcId);
    if (!plan) throw new Error(`VPC ${eni.vpcId} of instance ${instanceId} is gone`);
    await this.serialized(eni.vpcId, () => this.applyPlan(plan));
    const tap = tapNameFor(instanceId);
    await createPort(plan, tap);
    return { tap, netnsPrefix: netnsExecPrefix(plan.namespace) };
  }

  async releasePort(instanceId: string): Promise<void> {
    const eni = this.store.networkInterfaces.forInstance(instanceId).find((e) => e.deviceIndex === 0);
    const vpc = eni ? this.store.vpcs.get(eni.vpcId) : undefined;
    if (!vpc) return;
    await deletePort(vpcNamespace(this.scope, vpc.netIndex), tapNameFor(instanceId));
    this.vpcChanged(vpc.id);
  }

  async syncInstance(instanceId: string): Promise<void> {
    const eni = this.store.networkInterfaces.forInstance(instanceId).find((e) => e.deviceIndex === 0);
    if (!eni) return;
    this.vpcChanged(eni.vpcId);
    await this.queues.get(eni.vpcId);
  }

  /** Stops applying; with no guest left on this box, removes the whole data plane and the VPCs' DNS. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    if (this.store.instances.inStates(PORT_STATES).some((r) => r.node === this.ctx.node)) return;
    for (const vpcId of this.dnsVpcs()) await stopVpcDns(this.dnsDir(vpcId)).catch(() => false);
    fs.rmSync(this.runRoot(), { recursive: true, force: true });
    await teardownVpcHost(this.scope, { log: this.log });
  }

  /**
   * Before VPCs, bridge mode put every guest on one bridge (hivebr0) in hive's own namespace. It goes with its tables
   * and taps; a guest still running on it lost its network with them and rejoins, in its VPC, at its next start.
   */
  private async retireBridge(): Promise<void> {
    if (!(await bridgeInUse(DEFAULT_BRIDGE))) return;
    await teardownBridge({ name: DEFAULT_BRIDGE, log: this.log });
    const running = this.store.instances.inStates(["running"]).filter((r) => r.node === this.ctx.node);
    if (running.length > 0) {
      this.log(`hive: warning: ${running.map((r) => r.id).join(", ")} ran on the old bridge ${DEFAULT_BRIDGE}; stop and start them to bring them into their VPC`);
    }
  }

  private plans(also: string[] = []): VpcPlan[] {
    return vpcPlans(this.ctx, this.store, this.scope, also, this.hostRoutes);
  }

  private serialized(vpcId: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(vpcId) ?? Promise.resolve()).catch(() => {}).then(fn);
    const tracked = next.catch(() => {});
    this.queues.set(vpcId, tracked);
    void tracked.finally(() => {
      if (this.queues.get(vpcId) === tracked) this.queues.delete(vpcId);
    });
    return next;
  }

  private async apply(vpcId: string): Promise<void> {
    const plans = this.plans();
    const plan = plans.find((p) => p.vpcId === vpcId);
    if (plan) return this.applyPlan(plan);
    // No guest of this box is in the VPC (any more): its router, listener and DNS go.
    const vpc = this.store.vpcs.get(vpcId);
    await this.metadata.closeTcp(vpcId);
    await stopVpcDns(this.dnsDir(vpcId)).catch(() => false);
    const index = vpc?.netIndex ?? (await this.orphanIndex(plans));
    const present = (await listVpcNamespaces(this.scope)).some((n) => n.index === index);
    if (index !== undefined && present) await removeVpc(this.scope, index, { log: this.log });
  }

  /** A namespace of the scope no plan wants (its VPC was deleted after its last guest left). */
  private async orphanIndex(plans: VpcPlan[]): Promise<number | undefined> {
    const wanted = new Set(plans.map((p) => p.index));
    const known = new Set(this.store.vpcs.list().map((v) => v.netIndex));
    return (await listVpcNamespaces(this.scope)).find((n) => !wanted.has(n.index) && !known.has(n.index))?.index;
  }

  private async applyPlan(plan: VpcPlan): Promise<void> {
    await applyVpc(plan, { log: this.log });
    const vpcId = plan.vpcId;
    await this.metadata.listenTcp(vpcId, transitAddresses(plan.index).host, 80, (ip) => this.instanceAt(vpcId, ip));
    if (plan.dnsIp) {
      const hosts = this.dnsHosts(vpcId);
      const dir = this.dnsDir(vpcId);
      const updated = await updateVpcDns(dir, hosts);
      if (!updated) {
        await startVpcDns({
          namespace: plan.namespace,
          listen: [plan.dnsIp, VPC_DNS_IP],
          hosts,
          upstreams: hostResolvers(),
          domain: privateDnsDomain(this.ctx.region),
          runDir: dir,
          log: (m) => this.log(`[dns ${vpcId}] ${m}`),
        });
      }
    } else {
      await stopVpcDns(this.dnsDir(vpcId)).catch(() => false);
    }
  }

  /** Which of this box's guests in the VPC has this address (the metadata service's question). */
  private instanceAt(vpcId: string, ip: string): string | undefined {
    const eni = this.store.networkInterfaces.forVpc(vpcId).find((e) => e.privateIp === ip && e.deviceIndex === 0 && e.instanceId);
    const inst = eni?.instanceId ? this.store.instances.get(eni.instanceId) : undefined;
    return inst && inst.node === this.ctx.node && ["pending", "running", "stopping"].includes(inst.state) ? inst.id : undefined;
  }

  /** Every instance's private DNS name in the VPC (the region's, not only this box's guests). */
  private dnsHosts(vpcId: string): VpcDnsHost[] {
    return this.store.networkInterfaces
      .forVpc(vpcId)
      .filter((e) => e.instanceId)
      .map((e) => ({ name: privateDnsName(e.privateIp, this.ctx.region), ip: e.privateIp }));
  }

  /** The runtime directory (/run/hive/<scope> as root), not the data directory: dnsmasq drops root and must still read its hosts file (the namespaces do not outlive a reboot either). */
  private runRoot(): string {
    return runtimeDir(this.ctx.dataDir);
  }

  private dnsDir(vpcId: string): string {
    return path.join(this.runRoot(), "dns", vpcId);
  }

  /** The VPCs that have a resolver's run directory on this host (whether or not its dnsmasq still runs). */
  private dnsVpcs(): string[] {
    const root = path.join(this.runRoot(), "dns");
    return fs.existsSync(root) ? fs.readdirSync(root) : [];
  }
}
