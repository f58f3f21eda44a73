// The JSON encoding every bus message uses: binary values travel as base64 ({"$bytes": "…"}).
// Blobs are rare (user data, public keys) and listings are large, so both directions take the plain JSON path
// unless a blob is there: a replacer or reviver on every value costs several times the parse itself.

const BYTES = "$bytes";
const MARK = `"${BYTES}"`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Binary values travel as base64 rather than as {"0":…,"1":…}. The holder's own value is read because a
 * Buffer's toJSON has already run when the replacer sees `value`.
 */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Uint8Array ? { [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") } : value;
}

/** Whether a Uint8Array is anywhere inside `value`. */
function hasBytes(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === "object" && hasBytes(v)) return true;
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === "object" && hasBytes(v)) return true;
  }
  return false;
}

/** Replaces {"$bytes": "…"} objects, in place, with their bytes. */
function revive(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const o = value as Record<string, unknown>;
  const b = o[BYTES];
  if (typeof b === "string" && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(b, "base64"));
  for (const k in o) o[k] = revive(o[k]);
  return o;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(hasBytes(value) ? JSON.stringify(value, replacer) : JSON.stringify(value));
}

/** Throws on anything that is not JSON; callers decide what a bad message means. */
export function decodeJson<T = unknown>(data: Uint8Array): T {
  const text = decoder.decode(data);
  const parsed: unknown = JSON.parse(text);
  return (text.includes(MARK) ? revive(parsed) : parsed) as T;
}
