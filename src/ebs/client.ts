// Asking a node's block service over the bus to mount or unmount one of its volumes.

import { ErrorCode, type NatsConnection, type NatsError } from "nats";
import { decodeJson, encodeJson, subjects, type EbsMountResult, type EbsReply, type EbsVolumeRequest } from "../bus/index.ts";
import { HiveError, unavailable } from "../errors/index.ts";

const TIMEOUT_MS = 30_000;

/** Exports the volume on `node` and says where QEMU finds it; throws the service's HiveError on failure. */
export async function requestMount(nc: NatsConnection, node: string, volumeId: string, timeoutMs = TIMEOUT_MS): Promise<EbsMountResult> {
  const r = await ask<EbsMountResult>(nc, subjects.ebsMount(node), { volumeId }, timeoutMs);
  return { uri: r.uri, socket: r.socket, exportName: r.exportName };
}

/** Stops the export on `node`; `force` drops NBD clients still connected. */
export async function requestUnmount(
  nc: NatsConnection,
  node: string,
  volumeId: string,
  opts: { force?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  await ask(nc, subjects.ebsUnmount(node), { volumeId, force: opts.force }, opts.timeoutMs ?? TIMEOUT_MS);
}

async function ask<T>(nc: NatsConnection, subject: string, req: EbsVolumeRequest, timeoutMs: number): Promise<T> {
  let data: Uint8Array;
  try {
    data = (await nc.request(subject, encodeJson(req), { timeout: timeoutMs })).data;
  } catch (err) {
    const code = (err as NatsError).code;
    if (code === ErrorCode.NoResponders) throw unavailable(`no block service is answering ${subject}`);
    if (code === ErrorCode.Timeout) throw unavailable(`no reply on ${subject} within ${timeoutMs}ms`);
    throw unavailable(`bus request ${subject} failed: ${(err as Error).message}`);
  }
  let reply: EbsReply<T> | undefined;
  try {
    reply = decodeJson<EbsReply<T>>(data);
  } catch {
    // reported below
  }
  if (typeof reply !== "object" || reply === null || typeof reply.ok !== "boolean") {
    throw new HiveError({ kind: "Internal", message: `malformed reply on ${subject}` });
  }
  if (!reply.ok) throw HiveError.fromJSON(reply.error);
  return reply;
}
