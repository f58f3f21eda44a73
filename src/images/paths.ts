// Where images live in the data directory: one qcow2 per AMI, and a scratch folder for imports in flight.
import path from "node:path";

/** Relative to the data directory, as ImageRecord.file keeps it. */
export const imageFileRel = (imageId: string): string => path.join("images", `${imageId}.qcow2`);

export const imageFile = (dataDir: string, imageId: string): string => path.join(dataDir, imageFileRel(imageId));

export const imagesTmpDir = (dataDir: string): string => path.join(dataDir, "images", "tmp");
