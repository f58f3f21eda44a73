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
    if (output) writeMembers(out, output, value, "ec2");
    else out.push("<return>true</return>");
  } else {
    if (output) {
      const wrapper = resultWrapper ?? `${action}Result`;
      out.push(`<${wrapper}>`);
      writeMembers(out, output, value, "query");
      out.push(`</${wrapper}>`);
    }
    out.push(`<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`);
  }
  out.push(`</${action}Response>`);
  return out.join("");
}

/** The service's error document. */
export function writeError(model: ServiceModel, code: string, message: string, requestId: string, type: "Sender" | "Receiver"): string {
  const error = `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>`;
  if (model.protocol === "ec2") {
    return `${declaration}<Response><Errors><Error>${error}</Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  }
  return (
    `${declaration}<ErrorResponse xmlns="${escapeXml(model.xmlNamespace)}"><Error><Type>${type}</Type>${error}</Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

function writeMembers(out: string[], shape: StructureShape, value: Record<string, unknown>, protocol: Protocol): void {
  for (const member of shape.members.values()) {
    const v = value[member.name];
    if (v === undefined || v === null) continue;
    writeValue(out, elementName(member, member.name), member, v, protocol);
  }
}

function elementName(ref: Ref, fallback: string): string {
  // A flattened list repeats its member's element directly, named by the member when it has a name.
  if (ref.shape.type === "list" && ref.flattened && ref.shape.member.locationName) return ref.shape.member.locationName;
  return ref.locationName ?? fallback;
}

function writeValue(out: string[], name: string, ref: Ref, v: unknown, protocol: Protocol): void {
  const shape = ref.shape;
  switch (shape.type) {
    case "structure":
      if (typeof v !== "object") return;
      out.push(`<${name}>`);
      writeMembers(out, shape, v as Record<string, unknown>, protocol);
      out.push(`</${name}>`);
      return;
    case "list": {
      if (!Array.isArray(v)) return;
      const itemName = shape.member.locationName ?? (protocol === "ec2" ? "item" : "member");
      if (!ref.flattened) out.push(`<${name}>`);
      for (const item of v) {
        if (item !== undefined && item !== null) writeValue(out, ref.flattened ? name : itemName, shape.member, item, protocol);
      }
      if (!ref.flattened) out.push(`</${name}>`);
      return;
    }
    case "map":
      if (typeof v !== "object") return;
      writeMap(out, name, ref.flattened, shape, v as object, protocol);
      return;
    default:
      out.push(`<${name}>${escapeXml(scalarText(shape.type, v))}</${name}>`);
  }
}

function writeMap(out: string[], name: string, flattened: boolean, shape: MapShape, v: object, protocol: Protocol): void {
  const keyName = shape.key.locationName ?? "key";
  const valueName = shape.value.locationName ?? "value";
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  if (!flattened) out.push(`<${name}>`);
  for (const [k, item] of entries) {
    if (item === undefined || item === null) continue;
    out.push(flattened ? `<${name}>` : "<entry>", `<${keyName}>${escapeXml(String(k))}</${keyName}>`);
    writeValue(out, valueName, shape.value, item, protocol);
    out.push(flattened ? `</${name}>` : "</entry>");
  }
  if (!flattened) out.push(`</${name}>`);
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
function timestampText(v: unknown): string {
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
