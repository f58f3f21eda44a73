// The instance lifecycle engine: launches, stops, reboots and terminates QEMU guests, follows their exits,
// and re-adopts them after a restart. Every state change is one store update, so a crash never leaves half a change.
import fs from "node:fs";
import path from "node:path";
import { SSH_PORT_TAG } from "../../actions/index.ts";
import type { Bus } from "../../bus/index.ts";
import { requestMount, requestUnmount, type BlockService } from "../../ebs/index.ts";
import type { InstanceRecord, InstanceStateName, Patch, Store } from "../../store/index.ts";
import type { MetadataService } from "../../metadata/index.ts";
import { runtimeDir, socketDir } from "../../runtime/index.ts";
import { launchVm, qemuEnding, reattachVm, StepRunner, writeSeedIso, type RunningVm, type VmExitInfo } from "../../vm/index.ts";
import { guestMac, metadataFacts, seedFiles, systemIdentityFor } from "./guest-config.ts";
import { releaseInstanceInterfaces } from "../network-interfaces/index.ts";
import { releaseBackingOf, type ImageFiles } from "../images/index.ts";
import { dataDisksAtStart, throttleOf } from "../volumes/index.ts";
import { publicKeyOf } from "../key-pairs/index.ts";
import type { DaemonContext, NetworkChanges } from "../shared/index.ts";
import { guestNetwork, type GuestPorts } from "../network/index.ts";
import { startPurgeTimer } from "./purge.ts";
import { HOST_FAILURE_CODE, NOT_RESTARTED_MESSAGE, RECOVERED_MESSAGE } from "./host-failure.ts";
import { freePort } from "./ssh-ports.ts";

export interface InstanceManagerDeps {
  ctx: DaemonContext;
  store: Store;
  blocks: BlockService;
  bus: Bus;
  metadata: MetadataService;
  /** Bridge mode: the VPC data plane, which puts each guest's port on its VPC's router. */
  ports?: GuestPorts;
  /** AMI files held by other members, fetched before a root volume is laid over one. */
  images?: ImageFiles;
  log: (line: string) => void;
  /** How long a stop waits for the guest's ACPI power-off before ending QEMU; default 60 s. */
  stopTimeoutMs?: number;
  /** Told which VPCs changed when a terminated instance's interfaces go. */
  changes?: NetworkChanges;
  /** After a host failure, start again the instances it took down (default); false leaves them stopped. */
  restartInstances?: boolean;
}

/** What a state change tells DescribeInstances in StateReason. */
interface StateReason {
  code: string;
  message: string;
}

export interface RecoverOptions {
  /** Set when the host failed since hive last ran (src/daemon/instances/host-failure.ts): why it is deemed to have. */
  hostFailure?: string;
}

const now = (): string => new Date().toISOString();
/** EC2's StateTransitionReason text: "User initiated (2026-11-29 17:00:00 GMT)". */
const userInitiated = (): string => `User initiated (${new Date().toISOString().replace("T", " ").slice(0, 19)} GMT)`;

export class InstanceManager {
  private readonly vms = new Map<string, RunningVm>();
  /** One operation at a time per instance: launches, stops and exits of the same instance never interleave. */
  private readonly queues = new Map<string, Promise<void>>();
  private stopPurging = (): void => {};
  private closing = false;

  constructor(private readonly deps: InstanceManagerDeps) {}

  /** Brings the instance's VPC on the host in line with the store now, e.g. its hop limit (nothing to do in user mode). */
  async syncNetwork(instanceId: string): Promise<void> {
    await this.deps.ports?.syncInstance(instanceId);
  }

  runDir(id: string): string {
    return path.join(this.deps.ctx.dataDir, "instances", id);
  }

  /** Its sockets (QMP, console, metadata) live under the runtime directory, never in the data directory. */
  private socketDir(id: string): string {
    return path.join(runtimeDir(this.deps.ctx.dataDir), "vm", id);
  }

  /** The metadata service's socket for this guest, its directory made (0700) when missing. */
  private imdsSocket(id: string): string {
    return path.join(socketDir(this.deps.ctx.dataDir, "vm", id), "imds.sock");
  }

  /** Whether a QEMU process is attached for this instance now. */
  hasVm(id: string): boolean {
    return this.vms.has(id);
  }

  /** Boots a `pending` instance in the background (RunInstances, StartInstances). */
  launch(id: string): void {
    this.enqueue(id, () => this.doLaunch(id));
  }

  /** Powers off a `stopping` instance in the background (ACPI, then a hard stop after the timeout; force at once). */
  stop(id: string, force: boolean): void {
    this.enqueue(id, async () => {
      const vm = this.vms.get(id);
      if (!vm) return this.settleStopped(id, { reason: "killed" });
      await vm.stop({ force, timeoutMs: force ? 0 : (this.deps.stopTimeoutMs ?? 60_000) });
    });
  }

  /** Presses reset on a running guest; RebootInstances has answered already, so a failure is logged. */
  async reboot(id: string): Promise<void> {
    const vm = this.vms.get(id);
    if (!vm) return this.deps.log(`instance ${id} reboot: no QEMU is tracked for it`);
    this.deps.log(`instance ${id} reboot: system_reset`);
    try {
      await vm.reboot();
    } catch (err) {
      this.deps.log(`instance ${id} reboot failed: ${(err as Error).message}`);
    }
  }

  /** Shuts down a `shutting-down` instance in the background and deletes what DeleteOnTermination says. */
  terminate(id: string): void {
    this.enqueue(id, async () => {
      const vm = this.vms.get(id);
      if (!vm) return this.finishTermination(id);
      await vm.stop({ timeoutMs: Math.min(this.deps.stopTimeoutMs ?? 60_000, 10_000) });
    });
  }

  /**
   * After a restart: re-adopt live guests, settle the ones that died meanwhile, finish interrupted changes. After a host
   * failure, the guests it took down start again (or, with restartInstances false, are stopped saying so).
   */
  async recover(opts: RecoverOptions = {}): Promise<void> {
    const active = this.deps.store.instances.inStates(["pending", "running", "stopping", "shutting-down"]);
    for (const rec of active) {
      let vm: RunningVm | undefined;
      try {
        vm = await reattachVm(rec.id, this.runDir(rec.id), this.socketDir(rec.id), { log: this.deps.log });
      } catch (err) {
        this.deps.log(`instance ${rec.id}: could not re-adopt QEMU: ${String(err)}`);
      }
      if (vm) {
        if (this.deps.ctx.network.mode === "user") await this.deps.metadata.attach(rec.id, this.imdsSocket(rec.id));
        this.adopt(rec.id, vm);
        this.deps.log(`instance ${rec.id}: re-adopted QEMU pid ${vm.pid} (${rec.state})`);
        if (rec.state === "pending") this.update(rec.id, { state: "running", pid: vm.pid });
        else if (rec.state === "stopping") this.stop(rec.id, false);
        else if (rec.state === "shutting-down") this.terminate(rec.id);
        continue;
      }
      if (rec.state === "pending" && !rec.pid) {
        // Hive died before QEMU was started: start it now.
        this.launch(rec.id);
      } else if (rec.state === "shutting-down") {
        this.enqueue(rec.id, () => this.finishTermination(rec.id));
      } else if (rec.state === "running" || rec.state === "pending") {
        this.settleLost(rec, opts.hostFailure);
      } else {
        // Stopping: the stop it was asked for is done.
        this.enqueue(rec.id, () => this.settleStopped(rec.id, { reason: "killed" }));
      }
    }
    this.stopPurging = startPurgeTimer(this.deps.store, this.deps.log);
  }

  /**
   * A guest that was running when hive last ran and whose QEMU is gone: how QEMU ended tells a guest that powered off
   * (it removed its pidfile) from one ended under it; the latter starts again when the host failed meanwhile.
   */
  private settleLost(rec: InstanceRecord, hostFailure: string | undefined): void {
    const id = rec.id;
    const ending = qemuEnding(id, this.runDir(id));
    if (ending === "exited") {
      this.enqueue(id, () => this.onExit(id, { reason: "guest-shutdown", detail: "the guest powered off while hive was down" }));
      return;
    }
    if (hostFailure && ending !== "alive") {
      if (this.deps.restartInstances === false) {
        this.deps.log(`instance ${id}: taken down by a host failure (${hostFailure}); not restarted (--no-restart-instances)`);
        this.enqueue(id, () => this.settleStopped(id, { reason: "crashed" }, rec.state, { code: HOST_FAILURE_CODE, message: NOT_RESTARTED_MESSAGE }));
        return;
      }
      this.deps.log(`instance ${id}: taken down by a host failure (${hostFailure}); restarting it`);
      // Pending before the launch: a hive that dies during it starts the launch again next time.
      this.update(id, { state: "pending", pid: null, stateReasonCode: HOST_FAILURE_CODE, stateReasonMessage: RECOVERED_MESSAGE });
      this.enqueue(id, () => this.doLaunch(id, { code: HOST_FAILURE_CODE, message: RECOVERED_MESSAGE }));
      return;
    }
    this.enqueue(id, () => this.settleStopped(id, { reason: "crashed", detail: "the guest's QEMU process ended while hive was down" }));
  }

  /** Lets go of every guest without stopping it: they keep running for the next `hive up`. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopPurging();
    await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled([...this.vms.values()].map((vm) => vm.detach()));
    this.vms.clear();
    await this.deps.metadata.close();
  }

  /** Waits until every queued change of these instances has run (tests, benchmarks). */
  async settled(ids: string[] = [...this.queues.keys()]): Promise<void> {
    await Promise.allSettled(ids.map((id) => this.queues.get(id)));
  }

  // --- CreateImage support (src/daemon/images/image-builds.ts) ---
  /**
   * Runs fn in the instance's operation queue, so no launch, stop, termination or exit handling of it interleaves
   * with a copy of its disk. With `pause` and a guest running, its vCPUs are stopped first (QMP `stop`: QEMU drains
   * and flushes its disks) and resumed (`cont`) when fn calls resume() or ends, whichever comes first.
   */
  withGuestPaused<T>(id: string, pause: boolean, fn: (resume: () => Promise<void>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(id, async () => {
        const vm = pause ? this.vms.get(id) : undefined;
        let paused = false;
        const resume = async (): Promise<void> => {
          if (!paused || !vm) return;
          paused = false;
          await vm.qmp.cont();
        };
        try {
          if (vm) {
            await vm.qmp.stop();
            paused = true;
          }
          const out = await fn(resume);
          await resume();
          resolve(out);
        } catch (err) {
          await resume().catch((e: unknown) => this.deps.log(`instance ${id}: could not resume the guest: ${String(e)}`));
          reject(err);
        }
      });
    });
  }

  // --- Volume attachments (src/daemon/volumes) ---
  /** Runs fn in the instance's operation queue with its running QEMU (undefined when none runs). */
  withGuest<T>(id: string, fn: (vm: RunningVm | undefined) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(id, () => fn(this.vms.get(id)).then(resolve, reject));
    });
  }

  private enqueue(id: string, op: () => Promise<void>): void {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next = prev
      .then(op)
      .catch((err: unknown) => this.deps.log(`instance ${id}: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        if (this.queues.get(id) === next) this.queues.delete(id);
      });
    this.queues.set(id, next);
  }

  private update(id: string, patch: Patch<Omit<InstanceRecord, "id">>): void {
    this.deps.store.instances.update(id, { ...patch, updatedAt: now() });
  }

  /**
   * The whole launch as named, logged steps (image.fetch when another member holds the AMI's file, volume.create,
   * volume.mount, seed.write, tap.create or imds.listen, then QEMU's), so a failure names its step.
   */
  private async doLaunch(id: string, reason?: StateReason): Promise<void> {
    const rec = this.deps.store.instances.get(id);
    if (!rec || rec.state !== "pending" || this.closing) return;
    const { ctx, store, bus, log } = this.deps;
    const t0 = performance.now();
    const steps = new StepRunner(id, log);
    try {
      const root = rec.rootVolumeId ? store.volumes.get(rec.rootVolumeId) : undefined;
      if (root?.state === "creating") {
        const held = store.images.get(rec.imageId);
        const images = this.deps.images;
        if (held && held.node !== ctx.node && images) await steps.run("image.fetch", () => images.ensureImageFile(held.id));
        await steps.run("volume.create", async () => {
          const image = store.images.get(rec.imageId);
          if (!image) throw new Error(`image ${rec.imageId} is gone`);
          await this.deps.blocks.createRootVolume({ id: root.id, imageFile: path.join(ctx.dataDir, image.file), sizeGiB: root.sizeGiB });
          store.volumes.update(root.id, { state: "in-use", attachTime: now() });
        });
      }
      const disk = await steps.run("volume.mount", () => {
        if (!root) throw new Error(`root volume ${rec.rootVolumeId ?? "(none)"} is missing`);
        return requestMount(bus, ctx.node, root.id);
      });
      // Data volumes attached while the instance was stopped (or made with it) go in at start, on hot-plug ports.
      const dataDisks = await steps.run("volumes.attach", () => dataDisksAtStart({ store, blocks: this.deps.blocks }, id, root!.id));
      const seedIso = await steps.run("seed.write", () => {
        fs.mkdirSync(this.runDir(id), { recursive: true, mode: 0o700 });
        const key = rec.keyName ? publicKeyOf(store, rec.keyName)?.openssh : undefined;
        // In a VPC the guest gets its static address, the VPC router and AmazonProvidedDNS; user mode has QEMU's DHCP.
        const net = ctx.network.mode === "vpc" ? guestNetwork(ctx, store, id) : undefined;
        // The host name the metadata service gives too (the subnet's choice: ip-10-0-1-4… or the instance id).
        const hostname = metadataFacts(store, rec, ctx).hostname;
        return writeSeedIso(this.runDir(id), seedFiles(rec, ctx, key, net, guestMac(store, id), hostname));
      });
      const ports = this.deps.ports;
      let nic: { tap: string } | { sshHostPort: number; imdsSocket: string };
      let netnsPrefix: string[] | undefined;
      if (ctx.network.mode === "vpc" && ports) {
        nic = await steps.run("port.create", async () => {
          const port = await ports.preparePort(id);
          netnsPrefix = port.netnsPrefix;
          return { tap: port.tap };
        });
      } else {
        nic = await steps.run("imds.listen", async () => {
          await this.deps.metadata.attach(id, this.imdsSocket(id));
          return { sshHostPort: await freePort(), imdsSocket: this.imdsSocket(id) };
        });
      }
      const vm = await launchVm(
        {
          instanceId: id,
          vcpus: rec.vcpus,
          memoryMiB: rec.memoryMiB,
          kvm: ctx.host.kvm,
          rootDisk: { volumeId: root!.id, nbdSocket: disk.socket, exportName: disk.exportName, throttle: throttleOf(root!) },
          dataDisks,
          runDir: this.runDir(id),
          socketDir: this.socketDir(id),
          seedIso,
          mac: guestMac(store, id),
          system: systemIdentityFor(rec),
          ...nic,
        },
        { log, steps, netnsPrefix },
      );
      if ("sshHostPort" in nic) store.tags.put([{ resourceId: id, resourceType: "instance", key: SSH_PORT_TAG, value: String(nic.sshHostPort) }]);
      this.adopt(id, vm);
      this.update(id, { state: "running", pid: vm.pid, stateReasonCode: reason?.code ?? null, stateReasonMessage: reason?.message ?? null, stateTransitionReason: null });
      log(`instance ${id}: running (pid ${vm.pid}, ${Math.round(performance.now() - t0)} ms after launch began)`);
    } catch (err) {
      // Names the step (launchVm's own failures already do, with the end of qemu.log).
      const error = steps.current ? steps.fail(err) : err;
      log(`instance ${id}: launch failed: ${error instanceof Error ? error.message : String(error)}`);
      await this.unmountVolumes(id);
      await this.deps.metadata.detach(id);
      this.update(id, {
        state: "stopped",
        stateReasonCode: "Server.InternalError",
        stateReasonMessage: `Server.InternalError: the instance failed to launch: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      });
    }
  }

  private adopt(id: string, vm: RunningVm): void {
    this.vms.set(id, vm);
    vm.onExit((info) => {
      if (this.vms.get(id) !== vm) return;
      this.vms.delete(id);
      if (this.closing) return;
      this.enqueue(id, () => this.onExit(id, info));
    });
  }

  /** QEMU has ended: decide what that means from the state the instance was in. */
  private async onExit(id: string, info: VmExitInfo): Promise<void> {
    const rec = this.deps.store.instances.get(id);
    if (!rec) return;
    this.deps.log(`instance ${id}: QEMU ended (${info.reason}${info.detail ? `: ${info.detail}` : ""}) while ${rec.state}`);
    if (rec.state === "shutting-down") return this.finishTermination(id);
    if (rec.state === "running" && info.reason === "guest-shutdown" && rec.shutdownBehavior === "terminate") {
      this.update(id, { state: "shutting-down", stateReasonCode: "Client.InstanceInitiatedShutdown", stateReasonMessage: "Client.InstanceInitiatedShutdown: Instance initiated shutdown" });
      return this.finishTermination(id);
    }
    if (rec.state === "stopping" || rec.state === "running" || rec.state === "pending") await this.settleStopped(id, info, rec.state);
  }

  private async settleStopped(id: string, info: VmExitInfo, from?: InstanceStateName, reason?: StateReason): Promise<void> {
    await this.unmountVolumes(id);
    await this.deps.metadata.detach(id);
    const rec = this.deps.store.instances.get(id);
    if (!rec || rec.state === "terminated") return;
    const was = from ?? rec.state;
    let code = "Client.UserInitiatedShutdown";
    let message = "Client.UserInitiatedShutdown: User initiated shutdown";
    if (was !== "stopping") {
      if (info.reason === "guest-shutdown") {
        code = "Client.InstanceInitiatedShutdown";
        message = "Client.InstanceInitiatedShutdown: Instance initiated shutdown";
      } else {
        code = "Server.InternalError";
        message = `Server.InternalError: ${info.detail ?? "the instance's QEMU process ended unexpectedly"}`;
      }
    }
    this.update(id, { state: "stopped", pid: null, stateReasonCode: reason?.code ?? code, stateReasonMessage: reason?.message ?? message });
  }

  private async finishTermination(id: string): Promise<void> {
    const { store } = this.deps;
    await this.unmountVolumes(id);
    await this.deps.metadata.detach(id);
    for (const vol of store.volumes.forInstance(id)) {
      if (vol.state !== "in-use" && vol.state !== "creating") continue;
      // A volume still `creating` was never made (the launch failed first): it goes whatever DeleteOnTermination says.
      if (!vol.deleteOnTermination && vol.state === "in-use") {
        store.volumes.update(vol.id, { state: "available", instanceId: null, device: null, attachTime: null, attachState: null });
        continue;
      }
      try {
        store.volumes.update(vol.id, { state: "deleting" });
        await this.deps.blocks.deleteVolume(vol.id);
        store.volumes.update(vol.id, { state: "deleted" });
        // A deregistered AMI's (or deleted snapshot's) file waits for its last volume; this may have been it.
        await releaseBackingOf(store, this.deps.ctx.dataDir, vol);
      } catch (err) {
        this.deps.log(`volume ${vol.id}: delete failed: ${String(err)}`);
        store.volumes.update(vol.id, { state: "error" });
      }
    }
    try {
      await this.deps.ports?.releasePort(id);
    } catch (err) {
      this.deps.log(`instance ${id}: removing its port failed: ${String(err)}`);
    }
    // The address goes back to the subnet with the termination: the primary interface goes (or, kept, is detached).
    const vpcs = releaseInstanceInterfaces(store, id);
    this.update(id, { state: "terminated", pid: null, terminatedAt: now(), privateIp: null });
    for (const vpc of vpcs) this.deps.changes?.vpcChanged(vpc);
    fs.rmSync(this.runDir(id), { recursive: true, force: true });
    fs.rmSync(this.socketDir(id), { recursive: true, force: true });
  }

  /** The guest is gone: its root and data volumes stop being served (they stay attached in the store). */
  private async unmountVolumes(id: string): Promise<void> {
    const rec = this.deps.store.instances.get(id);
    const ids = new Set(this.deps.store.volumes.forInstance(id).filter((v) => v.state === "in-use").map((v) => v.id));
    if (rec?.rootVolumeId) ids.add(rec.rootVolumeId);
    for (const volumeId of ids) {
      try {
        await requestUnmount(this.deps.bus, this.deps.ctx.node, volumeId, { force: true });
      } catch (err) {
        this.deps.log(`volume ${volumeId}: unmount failed: ${String(err)}`);
      }
    }
  }
}

export { userInitiated };
