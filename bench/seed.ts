// Seeds a data directory's store with realistic instance records (tags, root volumes) through the store's own functions.
import type { InstanceRecord, Store, TagRecord, VolumeRecord } from "../src/store/index.ts";

export interface SeedPlace {
  node: string;
  az: string;
  ownerId: string;
}

const STATES = ["running", "running", "running", "stopped", "pending", "terminated"] as const;
const TYPES = ["t3.micro", "t3.small", "t3.medium", "m5.large"];

const USER_DATA = Buffer.from(`#cloud-config\npackages: [nginx, jq]\nruncmd:\n${"  - echo configuring the web tier >> /var/log/boot.log\n".repeat(24)}`).toString("base64");

/** One launch of `count` instances starting at index `from`, as RunInstances would write it: 1–3 instances per reservation. */
export function seedLaunch(from: number, count: number, at: SeedPlace) {
  const instances: InstanceRecord[] = [];
  const volumes: VolumeRecord[] = [];
  const tags: TagRecord[] = [];
  for (let i = from; i < from + count; i++) {
    const hex = i.toString(16).padStart(17, "0");
    const reservation = (i - (i % 3)).toString(16).padStart(17, "0");
    const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const state = STATES[i % STATES.length]!;
    const volumeId = `vol-${hex}`;
    instances.push({
      id: `i-${hex}`, reservationId: `r-${reservation}`, ownerId: at.ownerId, imageId: "ami-0123456789abcdef0",
      instanceType: TYPES[i % TYPES.length]!, state, launchTime: t, az: at.az, node: at.node, vcpus: 2, memoryMiB: 1024,
      shutdownBehavior: "stop", disableApiTermination: i % 10 === 0, rootVolumeId: volumeId, rootDeviceName: "/dev/xvda",
      amiLaunchIndex: i % 3, updatedAt: t, keyName: i % 4 === 0 ? undefined : "deploy-key", clientToken: `token-${reservation}`,
      privateIp: state === "terminated" ? undefined : `10.77.${(i >> 8) & 255}.${(i & 255) || 1}`,
      // Half the fleet was launched with a cloud-init script, which DescribeInstances never shows.
      userData: i % 2 ? USER_DATA : undefined,
      ...(state === "stopped" || state === "terminated"
        ? { stateReasonCode: "Client.UserInitiatedShutdown", stateReasonMessage: "Client.UserInitiatedShutdown: User initiated shutdown", stateTransitionReason: `User initiated (${t.slice(0, 19).replace("T", " ")} GMT)` }
        : {}),
      ...(state === "terminated" ? { terminatedAt: "2099-01-01T00:00:00.000Z" } : {}),
    });
    volumes.push({
      id: volumeId, sizeGiB: 8, volumeType: "gp3", state: "in-use", az: at.az, node: at.node, file: `volumes/${volumeId}.qcow2`,
      imageId: "ami-0123456789abcdef0", createdAt: t, instanceId: `i-${hex}`, device: "/dev/xvda", attachTime: t, deleteOnTermination: true,
    });
    tags.push(
      { resourceId: `i-${hex}`, resourceType: "instance", key: "Name", value: `web-${i}` },
      { resourceId: `i-${hex}`, resourceType: "instance", key: "env", value: i % 2 ? "prod" : "staging" },
      { resourceId: `i-${hex}`, resourceType: "instance", key: "team", value: `team-${i % 7} & <ops>` },
    );
  }
  return { instances, volumes, tags };
}

/** Grows the store to `total` instances (from `have`), in launches of 1,000. */
export function seedInstances(store: Store, have: number, total: number, at: SeedPlace): void {
  for (let i = have; i < total; i += 1000) store.instances.insertLaunch(seedLaunch(i, Math.min(1000, total - i), at));
}
