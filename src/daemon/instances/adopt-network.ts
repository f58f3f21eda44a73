// Instances launched before the VPC model have no network interface: at start each one still alive gets a primary
// interface in the default subnet of its zone, with its guest's MAC, its default group and the subnet's lowest free address.
// Its instances.private_ip (the address today's bridge gave the running guest) is left alone until the guest is re-addressed.
import type { Store } from "../../store/index.ts";
import { attachPrimaryInterfaces, launchAddresses } from "../network-interfaces/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { macFor } from "./guest-config.ts";

/** Places this node's earlier instances in the default VPC; returns the ids placed (none when there is no default subnet). */
export function placeEarlierInstances(ctx: DaemonContext, store: Store): string[] {
  const vpc = store.vpcs.list().find((v) => v.isDefault);
  const group = vpc ? store.securityGroups.byName(vpc.id, "default") : undefined;
  if (!vpc || !group) return [];
  const placed: string[] = [];
  const alive = store.instances.inStates(["pending", "running", "stopping", "stopped", "shutting-down"]).filter((r) => r.node === ctx.node);
  // One statement for every instance's interfaces, so a start with thousands of instances stays quick.
  const placedBefore = new Set(store.networkInterfaces.forInstances(alive.map((r) => r.id)).map((n) => n.instanceId));
  store.transaction(() => {
    for (const r of alive) {
      if (placedBefore.has(r.id)) continue;
      const subnet = store.subnets.forVpc(vpc.id).find((s) => s.defaultForAz && s.az === r.az);
      if (!subnet || store.networkInterfaces.macTaken(macFor(r.id))) continue;
      const plan = { subnet, groupIds: [group.id], deleteOnTermination: true, description: "" };
      let ip: string;
      try {
        [ip] = launchAddresses(store, plan, 1, 1) as [string];
      } catch {
        continue; // the subnet is full: the instance stays outside the VPC model
      }
      attachPrimaryInterfaces(store, ctx, plan, [{ id: r.id, mac: macFor(r.id), privateIp: ip }], r.launchTime);
      placed.push(r.id);
    }
  });
  return placed;
}
