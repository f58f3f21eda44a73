// What the instance actions need: the node's context, the store, the lifecycle engine, and row → view facts.
import type { InstanceRecord, Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import type { InstanceManager } from "./instance-manager.ts";
import type { InstanceFacts } from "./instance-view.ts";

export interface InstanceDeps {
  ctx: DaemonContext;
  store: Store;
  manager: InstanceManager;
  /** Tags and root volumes of these rows, fetched in bulk. */
  facts(records: InstanceRecord[]): InstanceFacts[];
}

export function instanceDeps(ctx: DaemonContext, store: Store, manager: InstanceManager): InstanceDeps {
  return {
    ctx,
    store,
    manager,
    facts(records) {
      const tags = store.tags.forResources(records.map((r) => r.id));
      // One listing beats a lookup per row once there are many rows.
      const volumes = records.length > 32 ? new Map(store.volumes.list().map((v) => [v.id, v])) : undefined;
      const volume = (id: string) => volumes?.get(id) ?? (volumes ? undefined : store.volumes.get(id));
      return records.map((record) => ({
        record,
        tags: tags.get(record.id),
        rootVolume: record.rootVolumeId ? volume(record.rootVolumeId) : undefined,
      }));
    },
  };
}
