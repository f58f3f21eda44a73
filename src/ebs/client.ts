// Asking a node's block service over the bus to mount or unmount one of its volumes.

import { randomUUID } from "node:crypto";
import { subjects, type Bus, type EbsMountResult, type EbsVolumeRequest } from "../bus/index.ts";

const TIMEOUT_MS = 30_000;

const ask = <T>(bus: Bus, subject: string, input: EbsVolumeRequest, timeoutMs: number): Promise<T> =>
  bus.request<T>(subject, { requestId: randomUUID(), input }, timeoutMs);

/** Exports the volume on `node` and says where QEMU finds it; throws the service's HiveError on failure. */
export async function requestMount(bus: Bus, node: string, volumeId: string, timeoutMs = TIMEOUT_MS): Promise<EbsMountResult> {
  const r = await ask<EbsMountResult>(bus, subjects.ebsMount(node), { volumeId }, timeoutMs);
  return { uri: r.uri, socket: r.socket, exportName: r.exportName };
}

/** Stops the export on `node`; `force` drops NBD clients still connected. */
export async function requestUnmount(bus: Bus, node: string, volumeId: string, opts: { force?: boolean; timeoutMs?: number } = {}): Promise<void> {
  await ask(bus, subjects.ebsUnmount(node), { volumeId, force: opts.force }, opts.timeoutMs ?? TIMEOUT_MS);
}
