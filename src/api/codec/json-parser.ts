// Reads a JSON-protocol request body (SSM, and later the other JSON services) into the typed input the model describes,
// answering bad input in the words AWS's JSON services use: SerializationException for a value of the wrong JSON type,
// ValidationException for a missing or unknown member.
import { CodecError } from "./errors.ts";
import type { ScalarShape, Shape, StructureShape } from "./model.ts";

/** Parses the body (empty means `{}`) against the operation's input shape. Throws only CodecError. */
export function parseJsonInput(shape: StructureShape | undefined, body: string): Record<string, unknown> {
  let doc: unknown = {};
  if (body.trim() !== "") {
    try {
      doc = JSON.parse(body);
    } catch {
      throw new CodecError("SerializationException", "The request body is not valid JSON.");
    }
  }
  if (!isObject(doc)) throw new CodecError("SerializationException", "The request body must be a JSON object.");
  if (!shape) return {};
  return readStructure(shape, doc, "");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// AWS's JSON services name members in validation messages with a lower-case first letter ('name', 'parameterFilters.1.key').
const pathOf = (parent: string, name: string): string => {
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  return parent ? `${parent}.${member}` : member;
};

function read(shape: Shape, value: unknown, path: string): unknown {
  switch (shape.type) {
    case "structure":
      if (!isObject(value)) throw wrongType(path, "an object");
      return readStructure(shape, value, path);
    case "list": {
      if (!Array.isArray(value)) throw wrongType(path, "a list");
      return value.map((item, i) => {
        if (item === null) throw mustNotBeNull(`${path}.${i + 1}.member`);
        return read(shape.member.shape, item, `${path}.${i + 1}.member`);
      });
    }
    case "map": {
      if (!isObject(value)) throw wrongType(path, "an object");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) continue;
        // defineProperty, so a key named __proto__ becomes data instead of a prototype swap.
        Object.defineProperty(out, k, { value: read(shape.value.shape, v, `${path}.${k}`), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      return scalar(shape, value, path);
  }
}

function readStructure(shape: StructureShape, value: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const member = shape.members.get(name);
    if (!member) {
      // A member this model does not have is refused, not dropped: Hive would not honour it.
      throw new CodecError("ValidationException", `1 validation error detected: '${shown(pathOf(path, name))}' is not a parameter Hive recognizes.`);
    }
    if (v === null) continue;
    out[name] = read(member.shape, v, pathOf(path, name));
  }
  for (const name of shape.required) {
    if (out[name] === undefined) throw mustNotBeNull(pathOf(path, name));
  }
  return out;
}

function scalar(shape: ScalarShape, value: unknown, path: string): unknown {
  switch (shape.type) {
    case "string":
      if (typeof value !== "string") throw wrongType(path, "a string");
      if (shape.enum && !shape.enum.includes(value)) {
        throw new CodecError(
          "ValidationException",
          `1 validation error detected: Value '${shown(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(", ")}]`,
        );
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw wrongType(path, "true or false");
      return value;
    case "integer":
    case "long": {
      const [lo, hi] = shape.type === "integer" ? [-2147483648, 2147483647] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < lo || value > hi) throw wrongType(path, "an integer");
      return value;
    }
    case "double":
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) throw wrongType(path, "a number");
      return value;
    case "timestamp": {
      // The JSON protocol sends epoch seconds; an ISO string is taken too, as the services do.
      const ms = typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms)) throw wrongType(path, "a timestamp");
      return new Date(ms);
    }
    case "blob": {
      if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw wrongType(path, "base64 data");
      return new Uint8Array(Buffer.from(value, "base64"));
    }
  }
}

const shown = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}...` : s);

const wrongType = (path: string, expected: string): CodecError =>
  new CodecError("SerializationException", `The value of '${shown(path || "body")}' must be ${expected}.`);

const mustNotBeNull = (path: string): CodecError =>
  new CodecError("ValidationException", `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
