// What kind of file an import source is, judged by its first bytes and qemu-img's probe, never by its name.
import { open } from "node:fs/promises";
import { HiveError } from "../errors/index.ts";
import { qemuImgCheck, qemuImgInfo, type DiskFormat } from "./qemu-img.ts";

export type SourceKind = { kind: "tar-xz" } | { kind: "disk"; format: DiskFormat; virtualSize: number };

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
// Compressed wrappers qemu-img would take for raw disks; naming them beats importing a garbage disk.
const OTHER_ARCHIVES: Array<[Buffer, string]> = [
  [Buffer.from([0x1f, 0x8b]), "gzip"],
  [Buffer.from("BZh"), "bzip2"],
  [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), "zstd"],
  [Buffer.from("PK\x03\x04", "latin1"), "zip"],
];
const NAMED_FORMATS = /\.(qcow2|vmdk|vhdx|vhd|img\.xz|tar\.gz|tgz)$/i;
const SECTOR = 512;

const invalid = (message: string): HiveError => new HiveError({ kind: "InvalidParameter", param: "source", message });

async function head(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Classifies a local file; `label` (the name the user gave) is only used in messages and as a corruption hint. */
export async function detectSource(file: string, label: string, size: number): Promise<SourceKind> {
  const start = await head(file, 512);
  if (start.length === 0) throw invalid(`${label} is empty`);
  if (start.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC)) return { kind: "tar-xz" };
  for (const [magic, name] of OTHER_ARCHIVES) {
    if (start.subarray(0, magic.length).equals(magic)) {
      throw invalid(`${label} is a ${name} archive; import the disk image itself or a .tar.xz holding disk.raw`);
    }
  }
  return { kind: "disk", ...(await checkedDisk(file, label, size)) };
}

/** Probes a disk image with qemu-img and refuses the shapes that cannot be a real, self-contained disk. */
export async function checkedDisk(file: string, label: string, size: number): Promise<{ format: DiskFormat; virtualSize: number }> {
  const info = await qemuImgInfo(file).catch((err: Error) => {
    throw invalid(`${label} is not a readable disk image: ${err.message}`);
  });
  // A backing file or extra extents would make qemu-img read other files of this host into the image.
  if (info.backingFile) throw invalid(`${label} refers to a backing file (${info.backingFile}); import a standalone image`);
  if (info.externalExtents) throw invalid(`${label} is a VMDK with extents in other files; import a monolithic VMDK`);
  if (info.format !== "raw") {
    await qemuImgCheck(file, info.format).catch((err: Error) => {
      throw invalid(`${label} is not a usable ${info.format} image: ${err.message}`);
    });
  } else {
    const claimed = NAMED_FORMATS.exec(label)?.[1];
    if (claimed) throw invalid(`${label} is named .${claimed} but has no ${claimed} header: the file is corrupt or not a disk image`);
    if (size % SECTOR !== 0) throw invalid(`${label} is not a disk image (${size} bytes is not a whole number of 512-byte sectors)`);
  }
  return { format: info.format, virtualSize: info.virtualSize };
}
