// What the instance actions need: the node's context, the store, the lifecycle engine, and row → view facts.
import type { InstanceRecord, Store, VolumeRecord } from "../../store/index.ts";
import { noNetworkChanges, type DaemonContext, type NetworkChanges } from "../shared/index.ts";
import { interfaceFacts, type InterfaceFacts } from "../network-interfaces/index.ts";
import type { InstanceManager } from "./instance-manager.ts";
import type { InstanceFacts } from "./instance-view.ts";

export interface InstanceDeps {
  ctx: DaemonContext;
  store: Store;
  manager: InstanceManager;
  /** Where changes that shape a VPC's traffic go (a launch, new groups, SourceDestCheck). */
  changes: NetworkChanges;
  /** Tags, root volumes and network interfaces of these rows, fetched in bulk. */
  facts(records: InstanceRecord[]): InstanceFacts[];
}

export function instanceDeps(ctx: DaemonContext, store: Store, manager: InstanceManager, changes: NetworkChanges = noNetworkChanges): InstanceDeps {
  return {
    ctx,
    store,
    manager,
    changes,
    facts(records) {
      // A few statements whatever the number of rows: the tags, root volumes and interfaces of exactly these instances.
      const tags = store.tags.forResources(records.map((r) => r.id));
      const volumes = store.volumes.getMany(records.flatMap((r) => (r.rootVolumeId ? [r.rootVolumeId] : [])));
      const dataVolumes = new Map<string, VolumeRecord[]>();
      for (const v of store.volumes.forInstances(records.map((r) => r.id))) {
        if (v.state !== "in-use" || volumes.has(v.id)) continue;
        dataVolumes.set(v.instanceId!, [...(dataVolumes.get(v.instanceId!) ?? []), v]);
      }
      const interfaces = new Map<string, InterfaceFacts[]>();
      for (const f of interfaceFacts(store, store.networkInterfaces.forInstances(records.map((r) => r.id)))) {
        const id = f.record.instanceId!;
        interfaces.set(id, [...(interfaces.get(id) ?? []), f]);
      }
      return records.map((record) => ({
        record,
        tags: tags.get(record.id),
        rootVolume: record.rootVolumeId ? volumes.get(record.rootVolumeId) : undefined,
        dataVolumes: dataVolumes.get(record.id) ?? [],
        interfaces: interfaces.get(record.id) ?? [],
      }));
    },
  };
}
