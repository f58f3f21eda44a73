// RunInstances: checks the request, reserves capacity and writes the reservation in one transaction, then boots.
import type { RunInstancesRequest, Reservation } from "@aws-sdk/client-ec2";
import { LAUNCH_TEMPLATE_ID_TAG, LAUNCH_TEMPLATE_VERSION_TAG } from "../../actions/index.ts";
import type { ActionRequest, Room } from "../../bus/index.ts";
import { capacityExhausted, HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import type { InstanceRecord, TagRecord, VolumeRecord } from "../../store/index.ts";
import { capacityOf, howManyFit } from "./capacity.ts";
import type { InstanceDeps } from "./instance-deps.ts";
import { assertIds, newId } from "../shared/index.ts";
import { findInstanceType, fitsHost } from "../catalogue/index.ts";
import { reservationsView } from "./instance-view.ts";
import { checkTags } from "../shared/index.ts";
import { publicKeyOf } from "../key-pairs/index.ts";
import { checkMetadataOptions } from "./metadata-options.ts";
import { macFor } from "./guest-config.ts";
import { attachPrimaryInterfaces, launchAddresses, launchNetwork } from "../network-interfaces/index.ts";
import { launchVolumeRows, planLaunchVolumes } from "../volumes/index.ts";
import { launchCpuCredits } from "./credit-specifications.ts";
import { withLaunchTemplate } from "../launch-templates/index.ts";
import { resolveImageId } from "../parameters/index.ts";

const DEFAULT_TYPE = "t3.micro";
const ROOT_DEVICE = "/dev/xvda";
const MAX_USER_DATA_BYTES = 16 * 1024;

function checkUserData(userData: string | undefined): void {
  if (userData === undefined) return;
  const compact = userData.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalidParameter("UserData", "Invalid BASE64 encoding of user data.", "user-data");
  }
  if (Buffer.from(compact, "base64").byteLength > MAX_USER_DATA_BYTES) {
    throw invalidParameter("UserData", `User data is limited to ${MAX_USER_DATA_BYTES} bytes.`);
  }
}

export function runInstances(req: ActionRequest<RunInstancesRequest>, deps: InstanceDeps): Reservation {
  const { ctx, store, manager } = deps;

  if (req.input.ClientToken) {
    const earlier = store.instances.byClientToken(req.input.ClientToken);
    if (earlier.length > 0) return reservationsView(deps.facts(earlier), ctx.accountId)[0]!;
  }
  // The launch template's data under the call's own parameters: everything below reads the merged parameters.
  const { input, template } = withLaunchTemplate(req.input, store);

  if (!input.ImageId) throw invalidParameter("ImageId", "The request must contain the parameter ImageId");
  // The one place a `resolve:ssm:` image id becomes its AMI: after any launch template is merged into the input.
  const imageId = resolveImageId(store, input.ImageId, ctx);
  assertIds("ami", [imageId], "ImageId");
  const image = store.images.get(imageId);
  if (!image || image.state === "deregistered") throw notFound("image", `The image id '[${imageId}]' does not exist`, "ImageId");
  if (image.state !== "available") throw invalidParameter("ImageId", `The image '${imageId}' is ${image.state}, not available`);

  const typeName = input.InstanceType ?? DEFAULT_TYPE;
  const type = findInstanceType(typeName);
  if (!type) throw invalidParameter("InstanceType", `The instance type '${typeName}' does not exist`, "instance-type");
  const cpuCredits = launchCpuCredits(input.CreditSpecification, typeName);
  const vcpus = type.VCpuInfo?.DefaultVCpus ?? 1;
  const memoryMiB = type.MemoryInfo?.SizeInMiB ?? 512;
  if (!fitsHost(type, { ...ctx.host, vcpus: ctx.host.vcpus * ctx.overcommit.cpu, memoryMiB: ctx.host.memoryMiB * ctx.overcommit.mem })) {
    throw capacityExhausted(`We currently do not have sufficient ${typeName} capacity: it needs ${vcpus} vCPUs and ${memoryMiB} MiB, more than this node has.`);
  }

  const min = input.MinCount ?? 1;
  const max = input.MaxCount ?? min;
  if (min < 1) throw invalidParameter("MinCount", `Value (${min}) for parameter MinCount is invalid. Expecting a value greater than 0.`);
  if (max < min) throw invalidParameter("MaxCount", `Value (${max}) for parameter MaxCount is invalid. MaxCount must be at least MinCount (${min}).`);

  // The subnet (the default one of this node's zone unless named), the groups and the primary interface's settings.
  const network = launchNetwork(ctx, store, input, max);
  if (input.KeyName !== undefined && !publicKeyOf(store, input.KeyName)) {
    throw notFound("key-pair", `The key pair '${input.KeyName}' does not exist`, "KeyName");
  }
  const metadataOptions = checkMetadataOptions(input.MetadataOptions);
  checkUserData(input.UserData);
  const shutdownBehavior = input.InstanceInitiatedShutdownBehavior ?? "stop";

  // The root volume (an overlay on the image) and data volumes from the image's and the call's mappings.
  const volumePlan = planLaunchVolumes(store, image, input.BlockDeviceMappings);

  const tagSpecs = input.TagSpecifications ?? [];
  const instanceTags: Array<{ key: string; value: string }> = [];
  const volumeTags: Array<{ key: string; value: string }> = [];
  for (const spec of tagSpecs) {
    const tags = checkTags(spec.Tags, "TagSpecification");
    if (spec.ResourceType === "instance") instanceTags.push(...tags);
    else if (spec.ResourceType === "volume") volumeTags.push(...tags);
    else throw invalidParameter("TagSpecification", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
  }
  if (template) {
    instanceTags.push({ key: LAUNCH_TEMPLATE_ID_TAG, value: template.id }, { key: LAUNCH_TEMPLATE_VERSION_TAG, value: String(template.version) });
  }

  // Check and insert with no await between them: concurrent RunInstances calls cannot both take the last room.
  const fit = howManyFit(capacityOf(store, ctx), vcpus, memoryMiB);
  if (fit < min) {
    throw capacityExhausted(`We currently do not have sufficient ${typeName} capacity: ${fit} more fit on this node, ${min} requested.`);
  }
  // One address each from the subnet, the lowest free ones, taken in the same synchronous stretch as the insert.
  const addresses = launchAddresses(store, network, min, Math.min(max, fit));
  const count = addresses.length;
  const reservationId = req.placement?.reservationId ?? newId("r");
  const firstIndex = req.placement?.firstIndex ?? 0;
  const launchTime = new Date().toISOString();
  const instances: InstanceRecord[] = [];
  const volumes: VolumeRecord[] = [];
  const tags: TagRecord[] = [];
  const macs = new Set<string>();
  for (let i = 0; i < count; i++) {
    // The guest's MAC comes from its id and is its primary interface's: an id whose MAC is taken is drawn again.
    let id = newId("i");
    while (macs.has(macFor(id)) || store.networkInterfaces.macTaken(macFor(id))) id = newId("i");
    macs.add(macFor(id));
    const volumeId = newId("vol");
    instances.push({
      id,
      reservationId,
      ownerId: ctx.accountId,
      imageId,
      instanceType: typeName,
      state: "pending",
      keyName: input.KeyName,
      userData: input.UserData,
      launchTime,
      az: ctx.az,
      node: ctx.node,
      vcpus,
      memoryMiB,
      shutdownBehavior,
      disableApiTermination: input.DisableApiTermination ?? false,
      ...(input.DisableApiStop ? { disableApiStop: true } : {}),
      ...(cpuCredits ? { cpuCredits } : {}),
      rootVolumeId: volumeId,
      rootDeviceName: ROOT_DEVICE,
      amiLaunchIndex: firstIndex + i,
      clientToken: input.ClientToken,
      updatedAt: launchTime,
      ...metadataOptions,
      privateIp: addresses[i],
    });
    const rows = launchVolumeRows(volumePlan, image, { instanceId: id, rootVolumeId: volumeId, az: ctx.az, node: ctx.node, at: launchTime }, () => newId("vol"));
    volumes.push(...rows);
    for (const t of instanceTags) tags.push({ resourceId: id, resourceType: "instance", ...t });
    for (const v of rows) for (const t of volumeTags) tags.push({ resourceId: v.id, resourceType: "volume", ...t });
  }
  store.transaction(() => {
    store.instances.insertLaunch({ instances, volumes, tags });
    // DescribeImageAttribute's lastLaunchedTime: this box's row of the region's image_launches.
    store.images.recordLaunch(imageId, ctx.node, launchTime);
    attachPrimaryInterfaces(
      store,
      ctx,
      network,
      instances.map((inst) => ({ id: inst.id, mac: macFor(inst.id), privateIp: inst.privateIp! })),
      launchTime,
    );
  });
  deps.changes.vpcChanged(network.subnet.vpcId);
  for (const inst of instances) manager.launch(inst.id);
  return reservationsView(deps.facts(instances), ctx.accountId)[0]!;
}

/**
 * How many instances of this call this node could take now: none when the call (or its launch template) names another
 * zone (by Placement.AvailabilityZone, a subnet or an interface), else what its free vCPUs and memory hold for its
 * instance type. Only a guide for placement: the call itself checks again, atomically.
 */
export function runInstancesRoom(req: ActionRequest<RunInstancesRequest>, deps: InstanceDeps): Room {
  const { ctx, store } = deps;
  const holdsToken = req.input.ClientToken ? store.instances.byClientToken(req.input.ClientToken).length > 0 : false;
  let input: RunInstancesRequest;
  try {
    input = withLaunchTemplate(req.input, store).input;
  } catch (err) {
    // A template that cannot be applied is the call's error to give; let one node answer it.
    if (err instanceof HiveError) return { fits: req.input.MaxCount ?? 1, holdsToken };
    throw err;
  }
  const zone = input.Placement?.AvailabilityZone;
  const subnetId = input.SubnetId ?? input.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0)?.SubnetId;
  const eniId = input.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0)?.NetworkInterfaceId;
  const subnetZone = subnetId ? store.subnets.get(subnetId)?.az : eniId ? store.subnets.get(store.networkInterfaces.get(eniId)?.subnetId ?? "")?.az : undefined;
  if ((zone !== undefined && zone !== ctx.az) || (subnetZone !== undefined && subnetZone !== ctx.az)) return { fits: 0, holdsToken };
  const type = findInstanceType(input.InstanceType ?? DEFAULT_TYPE);
  // An unknown type is the call's error to give; let one node answer it.
  if (!type) return { fits: input.MaxCount ?? 1, holdsToken };
  const host = { ...ctx.host, vcpus: ctx.host.vcpus * ctx.overcommit.cpu, memoryMiB: ctx.host.memoryMiB * ctx.overcommit.mem };
  if (!fitsHost(type, host)) return { fits: 0, holdsToken };
  return { fits: howManyFit(capacityOf(store, ctx), type.VCpuInfo?.DefaultVCpus ?? 1, type.MemoryInfo?.SizeInMiB ?? 512), holdsToken };
}
