// EBS volume types as EC2 defines them: sizes, the IOPS and throughput each takes or derives, and the limits QEMU enforces.
import { invalidParameter } from "../../errors/index.ts";

export const VOLUME_TYPES = ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

interface TypeRules {
  minGiB: number;
  maxGiB: number;
  /** Provisioned IOPS: allowed range and the most per GiB; absent when the type takes no Iops parameter. */
  iops?: { min: number; max: number; perGiB: number; required: boolean; default?: number };
  /** Provisioned throughput (MiB/s): gp3 only. */
  throughput?: { min: number; max: number; default: number };
}

const RULES: Record<VolumeType, TypeRules> = {
  gp2: { minGiB: 1, maxGiB: 16_384 },
  gp3: { minGiB: 1, maxGiB: 16_384, iops: { min: 3000, max: 16_000, perGiB: 500, required: false, default: 3000 }, throughput: { min: 125, max: 1000, default: 125 } },
  io1: { minGiB: 4, maxGiB: 16_384, iops: { min: 100, max: 64_000, perGiB: 50, required: true } },
  io2: { minGiB: 4, maxGiB: 16_384, iops: { min: 100, max: 64_000, perGiB: 500, required: true } },
  st1: { minGiB: 125, maxGiB: 16_384 },
  sc1: { minGiB: 125, maxGiB: 16_384 },
  standard: { minGiB: 1, maxGiB: 1024 },
};

/** What a volume is asked to be: type, size and the provisioned figures the caller gave. */
export interface VolumeShape {
  type: VolumeType;
  sizeGiB: number;
  iops?: number;
  throughput?: number;
}

/** What a volume delivers: the IOPS and MiB/s EC2 reports and QEMU enforces. */
export interface VolumePerformance {
  iops: number;
  throughputMiBps: number;
}

export function volumeType(value: string | undefined, param = "VolumeType"): VolumeType {
  const type = value ?? "gp2";
  if (!(VOLUME_TYPES as readonly string[]).includes(type)) {
    throw invalidParameter(param, `Value (${type}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(", ")}.`);
  }
  return type as VolumeType;
}

/** Checks a shape against its type's rules as EC2 does, filling in gp3's defaults; returns the shape to store. */
export function checkVolumeShape(shape: VolumeShape): VolumeShape {
  const rules = RULES[shape.type];
  const { sizeGiB, type } = shape;
  if (!Number.isInteger(sizeGiB) || sizeGiB < rules.minGiB || sizeGiB > rules.maxGiB) {
    throw invalidParameter("Size", `Volume of ${sizeGiB}GiB is out of range for volume type ${type}: it must be ${rules.minGiB}-${rules.maxGiB}GiB.`);
  }
  let iops: number | undefined;
  if (shape.iops !== undefined) {
    if (!rules.iops) throw combination(`The parameter iops is not supported for ${type} volumes.`);
    iops = shape.iops;
  } else if (rules.iops?.required) {
    throw invalidParameter("Iops", `The request must contain the parameter iops for ${type} volumes.`, "missing-parameter");
  } else {
    iops = rules.iops?.default;
  }
  if (iops !== undefined && rules.iops) {
    if (!Number.isInteger(iops) || iops < rules.iops.min || iops > rules.iops.max) {
      throw invalidParameter("Iops", `Value (${iops}) for parameter iops is invalid. Expected an integer between ${rules.iops.min} and ${rules.iops.max} for ${type} volumes.`);
    }
    // gp3's baseline 3,000 is allowed on any size; above it (and always for io1/io2) the per-GiB ratio binds.
    if (iops > (rules.iops.default ?? 0) && iops / sizeGiB > rules.iops.perGiB) {
      throw invalidParameter("Iops", `Iops to volume size ratio of ${(iops / sizeGiB).toFixed(6)} is too high; maximum is ${rules.iops.perGiB.toFixed(6)}.`);
    }
  }
  let throughput: number | undefined;
  if (shape.throughput !== undefined) {
    if (!rules.throughput) throw combination(`The parameter throughput is not supported for ${type} volumes.`);
    throughput = shape.throughput;
  } else {
    throughput = rules.throughput?.default;
  }
  if (throughput !== undefined && rules.throughput) {
    if (!Number.isInteger(throughput) || throughput < rules.throughput.min || throughput > rules.throughput.max) {
      throw invalidParameter("Throughput", `Value (${throughput}) for parameter throughput is invalid. Expected an integer between ${rules.throughput.min} and ${rules.throughput.max}.`);
    }
    // gp3: at most 0.25 MiB/s per provisioned IOPS.
    if (throughput > (iops ?? 0) / 4) {
      throw invalidParameter("Throughput", `Throughput (MiBps) to iops ratio of ${(throughput / (iops ?? 1)).toFixed(6)} is too high; maximum is 0.250000 MiBps per iops.`);
    }
  }
  return { type, sizeGiB, iops, throughput };
}

/** The figures EC2 reports and Hive enforces for a stored volume (older rows carry no provisioned figures). */
export function performanceOf(shape: VolumeShape): VolumePerformance {
  const { sizeGiB } = shape;
  switch (shape.type) {
    case "gp2":
      // 3 IOPS per GiB between 100 and 16,000; 128 MiB/s up to 170 GiB, 250 above.
      return { iops: Math.min(16_000, Math.max(100, 3 * sizeGiB)), throughputMiBps: sizeGiB <= 170 ? 128 : 250 };
    case "gp3":
      return { iops: shape.iops ?? 3000, throughputMiBps: shape.throughput ?? 125 };
    case "io1":
    case "io2": {
      const iops = shape.iops ?? 100;
      // Provisioned IOPS SSDs deliver up to 0.256 MiB/s per IOPS, at most 1,000 MiB/s (io1) / 4,000 (io2).
      return { iops, throughputMiBps: Math.min(shape.type === "io1" ? 1000 : 4000, Math.max(1, Math.floor(iops * 0.256))) };
    }
    case "st1":
      // Baseline 40 MiB/s per TiB up to 500, in 1 MiB I/Os.
      return { iops: 500, throughputMiBps: Math.min(500, Math.max(20, Math.floor((40 * sizeGiB) / 1024))) };
    case "sc1":
      return { iops: 250, throughputMiBps: Math.min(250, Math.max(12, Math.floor((12 * sizeGiB) / 1024))) };
    case "standard":
      return { iops: 200, throughputMiBps: 90 };
  }
}

/** Whether EC2 reports Iops / Throughput for this type. */
export const reportsIops = (type: string): boolean => type !== "st1" && type !== "sc1" && type !== "standard";
export const reportsThroughput = (type: string): boolean => type === "gp3";

/** The shape of a stored volume row, for performanceOf. */
export const shapeOf = (v: { volumeType: string; sizeGiB: number; iops?: number; throughput?: number }): VolumeShape => ({
  type: (VOLUME_TYPES as readonly string[]).includes(v.volumeType) ? (v.volumeType as VolumeType) : "gp2",
  sizeGiB: v.sizeGiB,
  iops: v.iops,
  throughput: v.throughput,
});

const combination = (message: string) => invalidParameter("Iops", message, "parameter-combination");
