// Writes response and error XML documents for the ec2 and awsQuery protocols, driven by the output shapes.

import type { MapShape, Protocol, Ref, ServiceModel, StructureShape } from "./model.ts";

const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The full success document for one operation. */
export function writeResponse(
  model: ServiceModel,
  action: string,
  output: StructureShape | undefined,
  resultWrapper: string | undefined,
  value: Record<string, unknown>,
  requestId: string,
): string {
  const out: string[] = [declaration, `<${action}Response xmlns="${escapeXml(model.xmlNamespace)}">`];
  if (model.protocol === "ec2") {
    out.push(`<requestId>${escapeXml(requestId)}</requestId>`);
    // EC2 answers operations without an output shape with <return>true</return>.
    if (output) membersWriter(output, "ec2")(out, value);
    else out.push("<return>true</return>");
  } else {
    if (output) {
      const wrapper = resultWrapper ?? `${action}Result`;
      out.push(`<${wrapper}>`);
      membersWriter(output, "query")(out, value);
      out.push(`</${wrapper}>`);
    }
    out.push(`<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`);
  }
  out.push(`</${action}Response>`);
  // One join: a flat string, where `+=` would leave a rope that the runtime flattens again on the way out.
  return out.join("");
}

// Each shape is compiled once into a function that appends a value's XML to `out`, so that writing a large answer walks
// the value, not the model: element names, member lists and scalar conversions are settled before the first value arrives.
type Write = (out: string[], v: unknown) => void;

/** Writers by shape, element name and protocol; shapes may be recursive, so an entry is registered before it compiles. */
const compiled = new WeakMap<object, Map<string, Write>>();

function cached(shape: object, key: string, build: () => Write): Write {
  let byKey = compiled.get(shape);
  if (!byKey) compiled.set(shape, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  let impl: Write | undefined;
  // Until the real writer exists (a recursive reference met while compiling), calls go through this forwarder.
  const forward: Write = (out, v) => impl!(out, v);
  byKey.set(key, forward);
  impl = build();
  byKey.set(key, impl);
  return impl;
}

/** The members of a structure, without its own element. */
function membersWriter(shape: StructureShape, protocol: Protocol): Write {
  return cached(shape, `#members:${protocol}`, () => {
    const fields = [...shape.members.values()].map((member) => ({ name: member.name, write: valueWriter(elementName(member, member.name), member, protocol) }));
    const n = fields.length;
    return (out, value) => {
      const obj = value as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const f = fields[i]!;
        const v = obj[f.name];
        if (v !== undefined && v !== null) f.write(out, v);
      }
    };
  });
}

function elementName(ref: Ref, fallback: string): string {
  // A flattened list repeats its member's element directly, named by the member when it has a name.
  if (ref.shape.type === "list" && ref.flattened && ref.shape.member.locationName) return ref.shape.member.locationName;
  return ref.locationName ?? fallback;
}

/** The element `name` holding a value of ref's shape; nothing for a value of the wrong kind. */
function valueWriter(name: string, ref: Ref, protocol: Protocol): Write {
  const shape = ref.shape;
  const open = `<${name}>`;
  const close = `</${name}>`;
  switch (shape.type) {
    case "structure":
      return cached(shape, `${name}:${protocol}`, () => {
        const members = membersWriter(shape, protocol);
        return (out, v) => {
          if (typeof v !== "object") return;
          out.push(open);
          members(out, v);
          out.push(close);
        };
      });
    case "list": {
      const itemName = shape.member.locationName ?? (protocol === "ec2" ? "item" : "member");
      const flattened = ref.flattened;
      return cached(shape, `${name}:${protocol}:${flattened ? "flat" : itemName}`, () => {
        const item = valueWriter(flattened ? name : itemName, shape.member, protocol);
        return (out, v) => {
          if (!Array.isArray(v)) return;
          if (!flattened) out.push(open);
          for (let i = 0; i < v.length; i++) {
            const x: unknown = v[i];
            if (x !== undefined && x !== null) item(out, x);
          }
          if (!flattened) out.push(close);
        };
      });
    }
    case "map":
      return mapWriter(name, ref.flattened, shape, protocol);
    default:
      return scalarWriter(shape.type, open, close);
  }
}

function mapWriter(name: string, flattened: boolean, shape: MapShape, protocol: Protocol): Write {
  const keyName = shape.key.locationName ?? "key";
  const entryOpen = flattened ? `<${name}>` : "<entry>";
  const entryClose = flattened ? `</${name}>` : "</entry>";
  const value = valueWriter(shape.value.locationName ?? "value", shape.value, protocol);
  return (out, v) => {
    if (typeof v !== "object") return;
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
    if (!flattened) out.push(`<${name}>`);
    for (const [k, item] of entries) {
      if (item === undefined || item === null) continue;
      out.push(`${entryOpen}<${keyName}>${escapeXml(String(k))}</${keyName}>`);
      value(out, item);
      out.push(entryClose);
    }
    if (!flattened) out.push(`</${name}>`);
  };
}

function scalarWriter(type: string, open: string, close: string): Write {
  switch (type) {
    case "timestamp":
      return (out, v) => void out.push(open, escapeXml(timestampText(v)), close);
    case "boolean":
      return (out, v) => void out.push(open, v === true ? "true" : v === false ? "false" : escapeXml(scalarText(type, v)), close);
    case "integer":
    case "long":
    case "double":
    case "float":
      // A number's decimal text never needs escaping.
      return (out, v) => void out.push(open, typeof v === "number" ? String(v) : escapeXml(String(v)), close);
    default:
      return (out, v) => void out.push(open, escapeXml(typeof v === "string" ? v : scalarText(type, v)), close);
  }
}

function scalarText(type: string, v: unknown): string {
  switch (type) {
    case "timestamp":
      return timestampText(v);
    case "boolean":
      return typeof v === "string" ? v.toLowerCase() : v ? "true" : "false";
    case "blob":
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : String(v);
    default:
      return String(v);
  }
}

// Timestamps always carry milliseconds, as EC2 writes them: 2026-11-29T17:00:00.000Z.
const canonicalTimestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function timestampText(v: unknown): string {
  // Dates come back from the bus as the ISO text they were written as: no need to parse and print them again.
  if (typeof v === "string" && canonicalTimestamp.test(v)) return v;
  const date = v instanceof Date ? v : typeof v === "number" ? new Date(v * 1000) : new Date(String(v));
  return Number.isNaN(date.getTime()) ? String(v) : date.toISOString();
}

const special = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#xD;" };

/** Escapes text for element content; characters XML 1.0 cannot carry become U+FFFD. */
export function escapeXml(s: string): string {
  if (!special.test(s)) return s;
  return s
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD")
    .replace(/[&<>"'\r]/g, (c) => entities[c]!);
}
