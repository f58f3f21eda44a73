// AMIs as EC2 resources, in one place: DescribeImages, their attributes and launch permissions, imports, builds (Create/Copy/Register/DeregisterImage), the
// naming rules, when a stored file may go, and AMI files crossing between members (served, fetched, verified).
// src/images stays the low-level disk library underneath (qemu-img, format detection, download, unpacking,
// conversion, file paths): it knows disks, not EC2, so the storage layer can use it too, while everything that knows
// an AMI's row, owner, state or tags lives here.

export { describeImages } from "./describe-images.ts";
export { describeImageAttribute, modifyImageAttribute, IMAGE_ATTRIBUTES } from "./image-attributes.ts";
export { imageBuilds, type ImageBuildDeps, type ImageBuilds } from "./image-builds.ts";
export { imageImports, recoverImports, type ImageImports } from "./image-imports.ts";
export { releaseBackingOf, releaseFileIfUnused, releaseImageIfUnused, releaseUnusedFiles } from "./image-files.ts";
export { imageHandlers } from "./handlers.ts";
export { serveImageAdmin } from "./admin.ts";
export { ensureImageSnapshots, recordImageSnapshot, NO_VOLUME } from "./image-snapshots.ts";
export { ImageTransfers, TRANSFER_DEFAULTS, type ImageFiles, type ImageTransferDeps, type TransferOptions } from "./image-transfers.ts";
export { serveImageFiles, type ImageFileServerDeps } from "./serve-image-files.ts";
export { FileDigests } from "./file-digest.ts";
