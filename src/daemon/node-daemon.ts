// Starts this node's daemon on the bus: serves the action table, announces the node, answers status requests.
import type { NatsConnection } from "nats";
import { announce, encodeJson, serveActions, subjects, type NodeStatus } from "../bus/index.ts";
import type { Store } from "../store/index.ts";
import { runtimeName } from "../runtime/index.ts";
import type { DaemonContext } from "./context.ts";
import { actionTable } from "./actions.ts";

export interface RunningDaemon {
  /** Settles once the daemon serves its subjects and has announced itself. */
  ready: Promise<void>;
  status(): NodeStatus;
  stop(): Promise<void>;
}

export function startDaemon(nc: NatsConnection, ctx: DaemonContext, store: Store): RunningDaemon {
  const boot = store.recordBoot(ctx.node, runtimeName());
  const startedAt = new Date(boot.startedAt);
  const status = (): NodeStatus => ({
    node: ctx.node,
    region: ctx.region,
    az: ctx.az,
    startedAt: boot.startedAt,
    bootCount: boot.bootCount,
    uptimeSeconds: Math.floor((Date.now() - startedAt.getTime()) / 1000),
    runtime: runtimeName(),
    kvm: ctx.host.kvm,
    vcpus: ctx.host.vcpus,
    memoryMiB: ctx.host.memoryMiB,
  });

  const server = serveActions(nc, ctx.node, actionTable(ctx));
  // Announce only once the subscriptions are registered, so a gateway that hears us can reach us.
  let stopAnnouncing = () => {};
  const announced = server.ready.then(() => {
    stopAnnouncing = announce(nc, { node: ctx.node, region: ctx.region, az: ctx.az, startedAt: boot.startedAt });
  });
  const statusSub = nc.subscribe(subjects.nodeStatus(ctx.node), {
    callback: (_err, msg) => {
      if (msg.reply) msg.respond(encodeJson(status()));
    },
  });

  return {
    ready: announced,
    status,
    async stop() {
      stopAnnouncing();
      statusSub.unsubscribe();
      await server.close();
    },
  };
}
