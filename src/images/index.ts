// Disk images (AMIs): importing a qcow2/raw/vmdk/vhdx file, URL or Debian cloud tarball into the one stored qcow2.

export { importImage, parseSource, removeImageFile, type ImportOptions, type ImportPhase, type ImportProgress, type ImportResult } from "./import.ts";
export { imageFile, imageFileRel, imagesTmpDir } from "./paths.ts";
export { DISK_FORMATS, lastPercent, qemuImgInfo, type DiskFormat, type DiskInfo } from "./qemu-img.ts";
