// Disk images, below any EC2 notion of an AMI: the one qemu-img wrapper, and importing a qcow2/raw/vmdk/vhdx file, URL
// or Debian cloud tarball into the one stored qcow2 (the AMI as a resource is src/daemon/images).

export { importImage, parseSource, removeImageFile, type ImportOptions, type ImportPhase, type ImportProgress, type ImportResult } from "./import.ts";
export { imageFile, imageFileRel, imagesTmpDir } from "./paths.ts";
export {
  DISK_FORMATS,
  imageInfo,
  lastPercent,
  qemuImg,
  qemuImgConvert,
  qemuImgInfo,
  type DiskFormat,
  type DiskInfo,
  type ImageInfo,
} from "./qemu-img.ts";
