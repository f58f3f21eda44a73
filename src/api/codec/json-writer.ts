// Writes a plain output object as a JSON-protocol response body, walking the model so that only the shape's members go
// out and timestamps, blobs and numbers take the wire forms the SDKs read (epoch seconds, base64, JSON numbers).
import type { Shape, StructureShape } from "./model.ts";

export function writeJsonOutput(shape: StructureShape | undefined, output: Record<string, unknown>): string {
  return JSON.stringify(shape ? (toWire(shape, output) ?? {}) : {});
}

/** The error body of the JSON protocol: the SDKs read the code from `__type`. */
export const writeJsonError = (code: string, message: string): string => JSON.stringify({ __type: code, message });

function toWire(shape: Shape, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  switch (shape.type) {
    case "structure": {
      if (typeof v !== "object") return undefined;
      const out: Record<string, unknown> = {};
      for (const [name, member] of shape.members) {
        const wire = toWire(member.shape, (v as Record<string, unknown>)[name]);
        if (wire !== undefined) out[name] = wire;
      }
      return out;
    }
    case "list":
      return Array.isArray(v) ? v.map((item) => toWire(shape.member.shape, item)).filter((x) => x !== undefined) : undefined;
    case "map": {
      if (typeof v !== "object") return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const wire = toWire(shape.value.shape, item);
        if (wire !== undefined) Object.defineProperty(out, k, { value: wire, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "timestamp": {
      const ms = v instanceof Date ? v.getTime() : typeof v === "number" ? v * 1000 : Date.parse(String(v));
      return Number.isFinite(ms) ? ms / 1000 : undefined;
    }
    case "blob":
      return Buffer.from(v instanceof Uint8Array ? v : String(v)).toString("base64");
    case "boolean":
      return Boolean(v);
    case "integer":
    case "long":
    case "double":
    case "float": {
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    default:
      return String(v);
  }
}
