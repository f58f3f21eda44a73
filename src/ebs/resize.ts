// Growing a volume: in the storage daemon while it has the volume open (a guest's disk), with qemu-img otherwise.

import { invalidParameter } from "../errors/index.ts";
import { imageInfo, qemuImg } from "../images/index.ts";
import type { QmpClient } from "../qmp/index.ts";
import { resizeOpenVolume, volumeIsOpen } from "./exports.ts";
import type { StorageDaemon } from "./storage-daemon.ts";
import { GiB, MAX_VOLUME_GIB } from "./volumes.ts";

/**
 * Grows volume `id` (its qcow2 at `file`) to `sizeGiB`; the same size is a no-op, a smaller one InvalidParameter.
 * Open in the daemon: QMP `block_resize` on its node, so a new NBD connection sees the new size; an exported volume's
 * NBD clients are dropped for that (resizeOpenVolume) and must reconnect. Not open: `qemu-img resize` of the file, inside the daemon's queue so no
 * mount opens it meanwhile.
 */
export async function resizeVolumeFile(daemon: StorageDaemon, id: string, file: string, sizeGiB: number): Promise<void> {
  if (!Number.isInteger(sizeGiB) || sizeGiB < 1 || sizeGiB > MAX_VOLUME_GIB) {
    throw invalidParameter("Size", `volume size must be a whole number of GiB up to ${MAX_VOLUME_GIB}, not ${sizeGiB}`, "volume");
  }
  const bytes = sizeGiB * GiB;
  await daemon.use(async (qmp) => {
    const open = await volumeIsOpen(qmp, id);
    const current = open ? await nodeSize(qmp, id) : (await imageInfo(file)).virtualSizeBytes;
    if (bytes < current) {
      throw invalidParameter("Size", `volume ${id} can only grow: it has ${Math.ceil(current / GiB)} GiB, ${sizeGiB} GiB asked`, "volume");
    }
    if (bytes === current) return;
    if (open) await resizeOpenVolume(qmp, id, bytes);
    else await qemuImg(["resize", "-q", "-f", "qcow2", file, String(bytes)]);
  });
}

async function nodeSize(qmp: QmpClient, node: string): Promise<number> {
  const nodes = await qmp.execute<Array<{ "node-name"?: string; image?: { "virtual-size"?: number } }>>("query-named-block-nodes", { flat: true });
  const size = nodes.find((n) => n["node-name"] === node)?.image?.["virtual-size"];
  if (typeof size !== "number") throw new Error(`the storage daemon reports no size for ${node}`);
  return size;
}
