// Starts this node's daemon on the bus: serves the action table, announces the node, answers status requests.
import { announce, subjects, watchNodes, type Bus, type Heartbeat, type NodeStatus } from "../bus/index.ts";
import { regionZones } from "./region-zones.ts";
import type { RegionZone } from "./catalogue/index.ts";
import { startBlockService } from "../ebs/index.ts";
import type { Store } from "../store/index.ts";
import { runtimeName } from "../runtime/index.ts";
import { noNetworkChanges, type DaemonContext } from "./shared/index.ts";
import { daemonHandlers, placementRooms } from "./handlers.ts";
import { serveImageAdmin } from "./images/index.ts";
import { imageBuilds } from "./images/index.ts";
import { ensureImageSnapshots, releaseUnusedFiles } from "./images/index.ts";
import { imageImports, recoverImports } from "./images/index.ts";
import { FileDigests, ImageTransfers, serveImageFiles, type ImageTransferDeps } from "./images/index.ts";
import { instanceDeps } from "./instances/index.ts";
import { InstanceManager } from "./instances/index.ts";
import { hostFactsAtStart, hostFailure, recordHostBoot } from "./instances/index.ts";
import { MetadataService } from "../metadata/index.ts";
import { metadataFacts, placeEarlierInstances } from "./instances/index.ts";
import { VpcNetwork } from "./network/index.ts";
import { publicKeyOf } from "./key-pairs/index.ts";
import { serveActions } from "./serve-actions.ts";
import { SSH_PORT_TAG } from "../actions/index.ts";
import { ensureDefaultSubnet, ensureDefaultVpc } from "./vpc/index.ts";
import { recoverAttachments, recoverDeletions, recoverModifications, recoverSnapshots, type VolumeDeps } from "./volumes/index.ts";

/** The SSH forwards of this node's live guests, from their reserved tags. */
function sshForwards(store: Store): NodeStatus["sshForwards"] {
  const live = new Set(store.instances.inStates(["pending", "running", "stopping"]).map((r) => r.id));
  return store.tags
    .list()
    .filter((t) => t.key === SSH_PORT_TAG && live.has(t.resourceId))
    .map((t) => ({ instanceId: t.resourceId, port: Number(t.value) }));
}

/** The AMI files on their way here, only while there are some. */
function transfersOf(transfers: ImageTransfers): Pick<NodeStatus, "transfers"> {
  const list = transfers.status();
  return list.length > 0 ? { transfers: list } : {};
}

export interface RunningDaemon {
  /** Settles once the daemon serves its subjects and has announced itself. */
  ready: Promise<void>;
  status(): NodeStatus;
  /** Rows of region-wide tables written on another box were applied here: bring this box's share up to date. */
  regionChanged(tables: Set<string>): void;
  /** Brings an AMI's file to this node from the member holding it (at once when it is here). */
  ensureImageFile(imageId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  log: (line: string) => void;
  /** How long a stop waits for a guest's ACPI power-off; default 60 s. */
  stopTimeoutMs?: number;
  /** Chunk size, window and retries of AMI file transfers from other members (defaults: TRANSFER_DEFAULTS). */
  imageTransfer?: ImageTransferDeps["options"];
  /** The region's key for SecureString parameters (32 bytes); without it they can be neither written nor read. */
  parameterKey?: Uint8Array;
  /** After a host failure, start again the instances it took down (default); false leaves them stopped. */
  restartInstances?: boolean;
}

/** Starts the block service, re-adopts guests left running by an earlier hive, then serves the bus. */
export async function startDaemon(bus: Bus, ctx: DaemonContext, store: Store, opts: DaemonOptions): Promise<RunningDaemon> {
  // The region's default VPC, made by the region's writer at the first start of a data directory (new, or from before
  // VPCs); a member makes only its zone's default subnet, once the region's log has brought the VPC.
  if (ctx.writer !== false) ensureDefaultVpc(ctx, store);
  else ensureDefaultSubnet(ctx, store);
  // Instances from before the VPC model are placed in it (their primary interface in the default subnet).
  const placed = placeEarlierInstances(ctx, store);
  // AMIs from before snapshots get the snapshot behind their root device.
  const imageSnapshots = ensureImageSnapshots(ctx, store);
  if (imageSnapshots.length > 0) opts.log(`hive: recorded the root snapshots of ${imageSnapshots.length} earlier image(s)`);
  if (placed.length > 0) opts.log(`hive: placed ${placed.length} earlier instance(s) in the default VPC: ${placed.join(", ")}`);
  const blocks = await startBlockService({ bus, node: ctx.node, dataDir: ctx.dataDir, store, log: (m) => opts.log(`[ebs] ${m}`) });
  const metadata = new MetadataService({
    facts: (id) => {
      const rec = store.instances.get(id);
      return rec ? metadataFacts(store, rec, ctx, rec.keyName ? publicKeyOf(store, rec.keyName)?.openssh : undefined) : undefined;
    },
    options: (id) => {
      const rec = store.instances.get(id);
      return { httpTokens: rec?.metadataHttpTokens ?? "optional", httpEndpoint: rec?.metadataHttpEndpoint ?? "enabled" };
    },
  });
  // Bridge mode (root): the VPC data plane, rebuilt from the store on every start; running guests keep their ports.
  let network: VpcNetwork | undefined;
  if (ctx.network.mode === "vpc") {
    network = new VpcNetwork(ctx, store, metadata, opts.log);
    await network.start();
  }
  const changes = network ?? noNetworkChanges;
  // Settled once images/tmp is tidied (below): copies and transfers write there only after.
  let recovered = () => {};
  const imagesRecovered = new Promise<void>((resolve) => (recovered = resolve));
  // Other members' AMI files, fetched when a launch needs one; this node's own, served to them.
  const transfers = new ImageTransfers({
    ctx,
    store,
    bus,
    log: opts.log,
    recovered: imagesRecovered,
    assertRoom: (bytes) => blocks.assertRoom(bytes, "volume"),
    options: opts.imageTransfer,
  });
  const fileServer = serveImageFiles(bus, { ctx, store, digests: new FileDigests(opts.log), log: opts.log });
  const manager = new InstanceManager({
    ctx, store, blocks, bus, metadata, ports: network, images: transfers, log: opts.log, stopTimeoutMs: opts.stopTimeoutMs, changes,
    restartInstances: opts.restartInstances,
  });
  // A storage daemon not found running means it ended with everything else: together with the boot id, a host failure.
  const host = hostFactsAtStart(store, blocks.daemon.reattached);
  await manager.recover({ hostFailure: hostFailure(host) });
  recordHostBoot(store, host);
  const volumes: VolumeDeps = { ctx, store, blocks, guests: manager, log: opts.log, copies: new Map() };
  // Snapshots whose copy died with the last run are failed; then files no row knows (half-made, orphaned) go.
  recoverSnapshots(store, opts.log);
  const swept = blocks.sweepLeftovers({
    volumes: new Set(store.volumes.list().map((v) => v.id)),
    snapshots: new Set(store.snapshots.all().filter((s) => s.state !== "error").map((s) => s.id)),
  });
  if (swept.length > 0) opts.log(`[ebs] removed files no volume or snapshot owns: ${swept.join(", ")}`);
  // Attachments and modifications a killed hive left half done are finished in the guests' queues.
  const volumesRecovered = recoverDeletions(volumes)
    .then(() => recoverAttachments(volumes))
    .then(() => recoverModifications(volumes))
    .catch((err: unknown) => opts.log(`volumes: recovery failed: ${String(err)}`));
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
    sshForwards: sshForwards(store),
    storage: blocks.usage(),
    ...transfersOf(transfers),
    network:
      ctx.network.mode === "user"
        ? {
            mode: "user",
            enforced: false,
            note: "user mode (QEMU slirp, rootless): VPCs, subnets and security groups are recorded but NOT enforced; every guest is alone behind its own NAT. Run as root for VPC networking.",
          }
        : { mode: "vpc", enforced: true, note: "VPCs on this host: a router namespace per VPC, security groups enforced by nftables" },
  });

  const builds = imageBuilds({ ctx, store, blocks, manager, log: opts.log, recovered: imagesRecovered });
  // Which members this box hears: the zones' states, and where placement may send a launch.
  const peers = watchNodes(bus, { pingWaitMs: 200 });
  const heardAt = new Map<string, number>();
  const zones = (): RegionZone[] => regionZones(ctx, store.members.list(), peers.live(), heardAt);
  const stopHearing = bus.listen<Heartbeat>(subjects.heartbeat, (hb) => void (typeof hb?.node === "string" && heardAt.set(hb.node, Date.now())));
  const handlerDeps = { ctx, store, instances: instanceDeps(ctx, store, manager, changes), builds, volumes, changes, zones, parameterKey: opts.parameterKey };
  const server = serveActions(bus, ctx.node, daemonHandlers(handlerDeps), (m) => opts.log(`[bus] ${m}`), {
    writer: ctx.writer !== false,
    rooms: placementRooms(handlerDeps),
  });
  // Imports a previous run left half done are failed first, so progress never reports a dead conversion as pending.
  const images = recoverImports(ctx, store).then(async (failures) => {
    // Deregistered images whose last volume went while hive was down (or before the termination path released it).
    const released = await releaseUnusedFiles(store, ctx.dataDir);
    if (released.length > 0) opts.log(`removed the files of deregistered images no volume uses: ${released.join(", ")}`);
    recovered();
    const imports = imageImports(ctx, store, { failures });
    return { imports, subs: serveImageAdmin(bus, ctx.node, imports, store, (m) => opts.log(`[images] ${m}`)) };
  });
  // Copies wait for recovery; should it fail, they must not wait forever.
  void images.then(recovered, recovered);
  // Announce only once the subscriptions are registered, so a gateway that hears us can reach us.
  let stopAnnouncing = () => {};
  const announced = server.ready.then(() => {
    stopAnnouncing = announce(bus, { node: ctx.node, region: ctx.region, az: ctx.az, startedAt: boot.startedAt });
  });
  const statusSub = bus.serve(subjects.nodeStatus(ctx.node), () => status(), { node: ctx.node });

  return {
    ready: Promise.all([announced, ...fileServer.map((s) => s.ready), images.then(async ({ subs }) => Promise.all(subs.map((s) => s.ready)))]).then(() => undefined),
    status,
    regionChanged(tables) {
      if (ctx.writer === false && (tables.has("vpcs") || tables.has("subnets"))) ensureDefaultSubnet(ctx, store);
      // The data plane reads groups, rules, routes and addresses from the store: re-apply each VPC (coalesced there).
      for (const vpc of store.vpcs.list()) changes.vpcChanged(vpc.id);
    },
    ensureImageFile: (imageId) => transfers.ensureImageFile(imageId),
    async stop() {
      stopAnnouncing();
      stopHearing();
      peers.close();
      await statusSub.close();
      await Promise.all(fileServer.map((s) => s.close()));
      // A launch waiting for a file fails now rather than holding the stop up; the part stays for the next start.
      await transfers.stop();
      const { imports, subs } = await images;
      await Promise.all(subs.map((s) => s.close()));
      await imports.stop();
      await builds.stop();
      await volumesRecovered;
      await server.close();
      await manager.close();
      // Guests keep their network across a restart of hive; with none left, the VPC data plane goes (VpcNetwork decides).
      await network?.close();
      // Guests keep running across a restart of hive, and need their disks; with none left, end the storage daemon too.
      if (store.instances.inStates(["pending", "running", "stopping", "shutting-down"]).length === 0) {
        await blocks.shutdown();
      } else {
        await blocks.close();
      }
    },
  };
}
