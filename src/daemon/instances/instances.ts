// The per-instance EC2 actions on this node: listings, state changes, the console and attributes.
// Fanned out: each node acts on the instances it holds and lists their ids in `_owned` for the gateway's checks.
import type {
  InstanceBlockDeviceMappingSpecification,
  DescribeInstanceAttributeRequest,
  DescribeInstanceStatusRequest,
  DescribeInstancesRequest,
  Filter,
  GetConsoleOutputRequest,
  Instance,
  InstanceAttribute,
  InstanceStateChange,
  ModifyInstanceAttributeRequest,
  RebootInstancesRequest,
  StartInstancesRequest,
  StopInstancesRequest,
  TerminateInstancesRequest,
} from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { capacityExhausted, invalidParameter, invalidState, notFound, notPermitted, unsupported } from "../../errors/index.ts";
import type { InstanceRecord, InstanceStateName, Patch, VolumeRecord } from "../../store/index.ts";
import { readConsole } from "../../vm/index.ts";
import { capacityOf, howManyFit } from "./capacity.ts";
import { applyFilters } from "../shared/index.ts";
import { assertIds, listingPage } from "../shared/index.ts";
import { findInstanceType } from "../catalogue/index.ts";
import type { InstanceDeps } from "./instance-deps.ts";
import { instanceFilterDynamic, instanceFilterFields, instanceStatusFilterFields, type InstanceWithReservation } from "./instance-filters.ts";
import { userInitiated } from "./instance-manager.ts";
import { primaryInterfaceOf, setInterfaceGroups } from "../network-interfaces/index.ts";
import { instanceStatusView, instanceView, stateOf } from "./instance-view.ts";

type Owned<T> = T & { _owned: string[] };

/** The rows this node holds among `ids` (all rows when ids is empty); unknown ids are NotFound when this node answers alone. */
export function select(req: ActionRequest<unknown>, deps: InstanceDeps, ids: string[] | undefined, param: string): InstanceRecord[] {
  assertIds("i", ids, param);
  if (!ids || ids.length === 0) return deps.store.instances.list();
  const rows = deps.store.instances.listByIds(ids);
  if (req.nodes === 1 && rows.length < new Set(ids).size) {
    const held = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !held.has(id));
    throw notFound("instance", missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(", ")}' do not exist`, param);
  }
  return rows;
}

const wrongState = (r: InstanceRecord, action: string): Error =>
  invalidState("instance", `The instance '${r.id}' is not in a state from which it can be ${action}.`);

interface ReservationOut {
  ReservationId: string;
  OwnerId: string;
  Groups: [];
  Instances: Instance[];
}

/** The rows' reservations, keeping the instances that pass the filters, in the order of their first instance. */
function reservationsOf(rows: InstanceRecord[], filters: Filter[] | undefined, deps: InstanceDeps): ReservationOut[] {
  const items: InstanceWithReservation[] = deps.facts(rows).map((f) => ({
    instance: instanceView(f),
    reservationId: f.record.reservationId,
    ownerId: f.record.ownerId,
    addresses: (f.interfaces ?? []).flatMap((i) => (i.address ? [i.address] : [])),
  }));
  const kept = applyFilters(items, filters, instanceFilterFields, instanceFilterDynamic);
  const byReservation = new Map<string, ReservationOut>();
  for (const x of kept) {
    let r = byReservation.get(x.reservationId);
    if (!r) byReservation.set(x.reservationId, (r = { ReservationId: x.reservationId, OwnerId: x.ownerId, Groups: [], Instances: [] }));
    r.Instances.push(x.instance);
  }
  return [...byReservation.values()];
}

export function describeInstances(req: ActionRequest<DescribeInstancesRequest>, deps: InstanceDeps) {
  const page = req.input.InstanceIds?.length ? undefined : listingPage(req.input);
  if (!page) {
    const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
    return { Reservations: reservationsOf(rows, req.input.Filters, deps), _owned: rows.map((r) => r.id) };
  }
  // One reservation more than the page holds tells the gateway that a next page exists. Filters may drop whole
  // reservations, so pages are read from the store until enough are kept or the reservations run out.
  const want = page.limit + 1;
  const kept: ReservationOut[] = [];
  let after = page.after;
  while (kept.length < want) {
    const rows = deps.store.instances.listReservations({ afterId: after, limit: want });
    if (rows.length === 0) break;
    kept.push(...reservationsOf(rows, req.input.Filters, deps));
    after = rows[rows.length - 1]!.reservationId;
    if (new Set(rows.map((r) => r.reservationId)).size < want) break;
  }
  return { Reservations: kept.slice(0, want), _owned: [] };
}

export function describeInstanceStatus(req: ActionRequest<DescribeInstanceStatusRequest>, deps: InstanceDeps) {
  const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
  const shown = req.input.IncludeAllInstances ? rows.filter((r) => r.state !== "terminated") : rows.filter((r) => r.state === "running");
  return { InstanceStatuses: applyFilters(shown.map(instanceStatusView), req.input.Filters, instanceStatusFilterFields), _owned: rows.map((r) => r.id) };
}

function change(r: InstanceRecord, to: InstanceStateName, deps: InstanceDeps, patch: Patch<Omit<InstanceRecord, "id">> = {}): InstanceStateChange {
  const previous = stateOf(r.state);
  deps.store.instances.update(r.id, { state: to, ...patch });
  return { InstanceId: r.id, PreviousState: previous, CurrentState: stateOf(to) };
}

const unchanged = (r: InstanceRecord): InstanceStateChange => ({ InstanceId: r.id, PreviousState: stateOf(r.state), CurrentState: stateOf(r.state) });

export function startInstances(req: ActionRequest<StartInstancesRequest>, deps: InstanceDeps): Owned<{ StartingInstances: InstanceStateChange[] }> {
  const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
  for (const r of rows) if (!["stopped", "pending", "running"].includes(r.state)) throw wrongState(r, "started");
  const toStart = rows.filter((r) => r.state === "stopped");
  const cap = capacityOf(deps.store, deps.ctx);
  let vcpus = 0;
  let mem = 0;
  for (const r of toStart) {
    vcpus += r.vcpus;
    mem += r.memoryMiB;
  }
  if (toStart.length > 0 && howManyFit(cap, vcpus, mem) < 1) {
    throw capacityExhausted(`We currently do not have sufficient capacity to start ${toStart.map((r) => r.id).join(", ")} on this node.`);
  }
  const changes = rows.map((r) => {
    if (r.state !== "stopped") return unchanged(r);
    const c = change(r, "pending", deps, { stateReasonCode: null, stateReasonMessage: null, stateTransitionReason: null });
    deps.manager.launch(r.id);
    return c;
  });
  return { StartingInstances: changes, _owned: rows.map((r) => r.id) };
}

export function stopInstances(req: ActionRequest<StopInstancesRequest>, deps: InstanceDeps): Owned<{ StoppingInstances: InstanceStateChange[] }> {
  const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
  for (const r of rows) if (!["running", "pending", "stopping", "stopped"].includes(r.state)) throw wrongState(r, "stopped");
  // Stop protection holds against Force too; the guest may still power itself off.
  const protectedOne = rows.find((r) => r.disableApiStop && r.state !== "stopped");
  if (protectedOne) throw notPermitted(`The instance '${protectedOne.id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
  const force = req.input.Force === true;
  const changes = rows.map((r) => {
    if (r.state === "stopped") return unchanged(r);
    if (r.state === "stopping") {
      if (force) deps.manager.stop(r.id, true);
      return unchanged(r);
    }
    const c = change(r, "stopping", deps, { stateTransitionReason: userInitiated() });
    deps.manager.stop(r.id, force);
    return c;
  });
  return { StoppingInstances: changes, _owned: rows.map((r) => r.id) };
}

export function rebootInstances(req: ActionRequest<RebootInstancesRequest>, deps: InstanceDeps): Owned<Record<string, never>> {
  const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
  for (const r of rows) if (r.state !== "running" && r.state !== "pending") throw wrongState(r, "rebooted");
  for (const r of rows) if (r.state === "running") void deps.manager.reboot(r.id);
  return { _owned: rows.map((r) => r.id) } as Owned<Record<string, never>>;
}

export function terminateInstances(req: ActionRequest<TerminateInstancesRequest>, deps: InstanceDeps): Owned<{ TerminatingInstances: InstanceStateChange[] }> {
  const rows = select(req, deps, req.input.InstanceIds, "InstanceId");
  const protectedOne = rows.find((r) => r.disableApiTermination && r.state !== "terminated");
  if (protectedOne) {
    throw notPermitted(`The instance '${protectedOne.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
  }
  // As on EC2, stop protection also keeps the API from terminating the instance.
  const stopProtected = rows.find((r) => r.disableApiStop && r.state !== "terminated" && r.state !== "shutting-down");
  if (stopProtected) {
    throw notPermitted(`The instance '${stopProtected.id}' may not be terminated. Modify its 'disableApiStop' instance attribute and try again.`);
  }
  const changes = rows.map((r) => {
    if (r.state === "terminated" || r.state === "shutting-down") return unchanged(r);
    const c = change(r, "shutting-down", deps, { stateTransitionReason: userInitiated(), stateReasonCode: "Client.UserInitiatedShutdown", stateReasonMessage: "Client.UserInitiatedShutdown: User initiated shutdown" });
    deps.manager.terminate(r.id);
    return c;
  });
  return { TerminatingInstances: changes, _owned: rows.map((r) => r.id) };
}

export function getConsoleOutput(req: ActionRequest<GetConsoleOutputRequest>, deps: InstanceDeps) {
  const id = req.input.InstanceId ?? "";
  const [r] = select(req, deps, [id], "InstanceId");
  if (!r) return { _owned: [] };
  const out = readConsole(deps.manager.runDir(r.id), { latest: req.input.Latest === true });
  return {
    InstanceId: r.id,
    Timestamp: out.timestamp ?? new Date(),
    ...(out.data.length > 0 ? { Output: out.data.toString("base64") } : {}),
    _owned: [r.id],
  };
}

const ATTRIBUTES = ["instanceType", "kernel", "ramdisk", "userData", "disableApiTermination", "instanceInitiatedShutdownBehavior", "rootDeviceName", "blockDeviceMapping", "productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport", "enaSupport", "enclaveOptions", "disableApiStop"];

export function describeInstanceAttribute(req: ActionRequest<DescribeInstanceAttributeRequest>, deps: InstanceDeps) {
  const attr = req.input.Attribute ?? "";
  if (!ATTRIBUTES.includes(attr)) throw invalidParameter("Attribute", `Value (${attr}) for parameter attribute is invalid. Unknown attribute.`);
  const [r] = select(req, deps, [req.input.InstanceId ?? ""], "InstanceId");
  if (!r) return { _owned: [] };
  const [f] = deps.facts([r]);
  const view = instanceView(f!);
  const out: InstanceAttribute & { _owned: string[] } = { InstanceId: r.id, _owned: [r.id] };
  switch (attr) {
    case "instanceType": out.InstanceType = { Value: r.instanceType }; break;
    case "userData": out.UserData = r.userData ? { Value: r.userData } : {}; break;
    case "disableApiTermination": out.DisableApiTermination = { Value: r.disableApiTermination }; break;
    case "instanceInitiatedShutdownBehavior": out.InstanceInitiatedShutdownBehavior = { Value: r.shutdownBehavior }; break;
    case "rootDeviceName": out.RootDeviceName = { Value: r.rootDeviceName }; break;
    case "blockDeviceMapping": out.BlockDeviceMappings = view.BlockDeviceMappings; break;
    case "productCodes": out.ProductCodes = []; break;
    case "groupSet": out.Groups = view.SecurityGroups ?? []; break;
    case "ebsOptimized": out.EbsOptimized = { Value: false }; break;
    case "enaSupport": out.EnaSupport = { Value: true }; break;
    case "sourceDestCheck": out.SourceDestCheck = { Value: view.SourceDestCheck ?? true }; break;
    case "disableApiStop": out.DisableApiStop = { Value: r.disableApiStop === true }; break;
    // HVM guests boot their own kernel; their NIC is virtio, not an SR-IOV function; no Nitro Enclaves.
    case "kernel": out.KernelId = {}; break;
    case "ramdisk": out.RamdiskId = {}; break;
    case "sriovNetSupport": out.SriovNetSupport = {}; break;
    case "enclaveOptions": out.EnclaveOptions = { Enabled: false }; break;
  }
  return out;
}

/** A boolean attribute value, as its structure (true/false) or Attribute+Value ("true"/"false") carries it. */
function booleanOf(value: unknown, param: string): boolean {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw invalidParameter(param, `Value (${String(value).slice(0, 64)}) for parameter ${param} is invalid. Expecting 'true' or 'false'.`);
}

/** ModifyInstanceAttribute's BlockDeviceMappings: as on EC2, only DeleteOnTermination of the volumes mapped there changes. */
function setDeleteOnTermination(deps: InstanceDeps, r: InstanceRecord, mappings: InstanceBlockDeviceMappingSpecification[]): void {
  const attached = deps.store.volumes.forInstance(r.id).filter((v) => v.state === "in-use");
  const deviceOf = (v: VolumeRecord) => (v.id === r.rootVolumeId ? r.rootDeviceName : v.device);
  const changes = mappings.map((m) => {
    const vol = attached.find((v) => deviceOf(v) === m.DeviceName);
    if (!vol) throw invalidParameter("BlockDeviceMapping", `No device is currently mapped at ${m.DeviceName ?? "(no device name)"}`);
    if (m.Ebs?.DeleteOnTermination === undefined) throw invalidParameter("BlockDeviceMapping", `The mapping for ${m.DeviceName} must give Ebs.DeleteOnTermination`, "missing-parameter");
    return { id: vol.id, deleteOnTermination: m.Ebs.DeleteOnTermination };
  });
  deps.store.transaction(() => {
    for (const c of changes) deps.store.volumes.update(c.id, { deleteOnTermination: c.deleteOnTermination });
  });
}

export function modifyInstanceAttribute(req: ActionRequest<ModifyInstanceAttributeRequest>, deps: InstanceDeps) {
  const input = req.input;
  const [r] = select(req, deps, [input.InstanceId ?? ""], "InstanceId");
  if (!r) return { _owned: [] };
  // The attribute may come as Attribute+Value or as its own structure; normalise to one (name, value).
  const given: Array<[string, unknown]> = [];
  if (input.InstanceType?.Value !== undefined) given.push(["instanceType", input.InstanceType.Value]);
  if (input.UserData?.Value !== undefined) given.push(["userData", input.UserData.Value]);
  if (input.DisableApiTermination?.Value !== undefined) given.push(["disableApiTermination", input.DisableApiTermination.Value]);
  if (input.InstanceInitiatedShutdownBehavior?.Value !== undefined) given.push(["instanceInitiatedShutdownBehavior", input.InstanceInitiatedShutdownBehavior.Value]);
  if (input.Groups !== undefined) given.push(["groupSet", input.Groups]);
  if (input.SourceDestCheck?.Value !== undefined) given.push(["sourceDestCheck", input.SourceDestCheck.Value]);
  if (input.BlockDeviceMappings !== undefined) given.push(["blockDeviceMapping", input.BlockDeviceMappings]);
  if (input.DisableApiStop?.Value !== undefined) given.push(["disableApiStop", input.DisableApiStop.Value]);
  if (input.EbsOptimized?.Value !== undefined) given.push(["ebsOptimized", input.EbsOptimized.Value]);
  if (input.EnaSupport?.Value !== undefined) given.push(["enaSupport", input.EnaSupport.Value]);
  if (input.Kernel?.Value !== undefined) given.push(["kernel", input.Kernel.Value]);
  if (input.Ramdisk?.Value !== undefined) given.push(["ramdisk", input.Ramdisk.Value]);
  if (input.SriovNetSupport?.Value !== undefined) given.push(["sriovNetSupport", input.SriovNetSupport.Value]);
  if (input.Attribute) given.push([input.Attribute, input.Value]);
  if (given.length !== 1) throw invalidParameter("Attribute", "Specify exactly one attribute to modify.");
  const [name, value] = given[0]!;
  if (name === "groupSet" || name === "sourceDestCheck") {
    // Both live on the primary network interface, as on EC2.
    const primary = primaryInterfaceOf(deps.store, r.id);
    if (!primary || r.state === "terminated") throw invalidState("instance", `The instance '${r.id}' is not in a state from which its network attributes can be modified.`);
    if (name === "groupSet") {
      const ids = Array.isArray(value) ? value.map(String) : [String(value ?? "")];
      setInterfaceGroups(deps.store, primary, ids, "GroupId");
    } else {
      if (value !== true && value !== false && value !== "true" && value !== "false") {
        throw invalidParameter("SourceDestCheck", `Value (${String(value)}) for parameter sourceDestCheck is invalid. Expecting 'true' or 'false'.`);
      }
      deps.store.networkInterfaces.update(primary.id, { sourceDestCheck: value === true || value === "true" });
    }
    deps.changes.vpcChanged(primary.vpcId);
    return { _owned: [r.id] };
  }
  if (name === "blockDeviceMapping") {
    setDeleteOnTermination(deps, r, Array.isArray(value) ? (value as InstanceBlockDeviceMappingSpecification[]) : []);
    return { _owned: [r.id] };
  }
  const patch: Patch<Omit<InstanceRecord, "id">> = {};
  switch (name) {
    case "instanceType": {
      if (r.state !== "stopped") throw invalidState("instance", `The instance '${r.id}' is not in the 'stopped' state.`);
      const type = findInstanceType(String(value));
      if (!type) throw invalidParameter("InstanceType", `The instance type '${String(value)}' does not exist`, "instance-type");
      patch.instanceType = String(value);
      patch.vcpus = type.VCpuInfo?.DefaultVCpus ?? r.vcpus;
      patch.memoryMiB = type.MemoryInfo?.SizeInMiB ?? r.memoryMiB;
      break;
    }
    case "userData": {
      if (r.state !== "stopped") throw invalidState("instance", `The instance '${r.id}' is not in the 'stopped' state.`);
      const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value ?? ""), "utf8");
      if (bytes.byteLength > 16 * 1024) throw invalidParameter("UserData", "User data is limited to 16384 bytes.");
      patch.userData = bytes.toString("base64");
      break;
    }
    case "disableApiTermination":
      patch.disableApiTermination = value === true || value === "true";
      break;
    case "disableApiStop":
      patch.disableApiStop = booleanOf(value, "DisableApiStop");
      break;
    // What Hive's guests have and cannot change: EBS-optimised is not a separate path here, and the NIC is always virtio.
    // Asking for what they have already is no change; asking otherwise is refused, naming the attribute.
    case "ebsOptimized":
      if (booleanOf(value, "EbsOptimized")) throw unsupported("EbsOptimized: EBS-optimized instances are not supported by Hive");
      break;
    case "enaSupport":
      if (!booleanOf(value, "EnaSupport")) throw unsupported("EnaSupport: turning ENA support off is not supported by Hive");
      break;
    case "kernel":
    case "ramdisk":
    case "sriovNetSupport":
      throw unsupported(`${name}: setting the ${name} attribute of an instance is not supported by Hive`);
    case "instanceInitiatedShutdownBehavior":
      if (value !== "stop" && value !== "terminate") throw invalidParameter("InstanceInitiatedShutdownBehavior", `Value (${String(value)}) for parameter instanceInitiatedShutdownBehavior is invalid. Expecting 'stop' or 'terminate'.`);
      patch.shutdownBehavior = value;
      break;
    default:
      // rootDeviceName, productCodes and enclaveOptions are read-only on EC2 too.
      if (ATTRIBUTES.includes(name)) throw invalidParameter("Attribute", `The attribute '${name}' of an instance cannot be modified.`);
      throw invalidParameter("Attribute", `Value (${name.slice(0, 64)}) for parameter attribute is invalid. Unknown attribute.`);
  }
  deps.store.instances.update(r.id, patch);
  return { _owned: [r.id] };
}
