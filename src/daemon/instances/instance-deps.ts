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
      // Two statements whatever the number of rows: the tags and the root volumes of exactly these instances.
      const tags = store.tags.forResources(records.map((r) => r.id));
      const volumes = store.volumes.getMany(records.flatMap((r) => (r.rootVolumeId ? [r.rootVolumeId] : [])));
      return records.map((record) => ({
        record,
        tags: tags.get(record.id),
        rootVolume: record.rootVolumeId ? volumes.get(record.rootVolumeId) : undefined,
      }));
    },
  };
}
