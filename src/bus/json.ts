// The JSON encoding every bus message uses: binary values travel as base64.

const BYTES = "$bytes";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Binary values (the model's blobs: user data, public keys) travel as base64 rather than as {"0":…,"1":…}.
 * The holder's own value is read because a Buffer's toJSON has already run when the replacer sees `value`.
 */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Uint8Array ? { [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const b = (value as Record<string, unknown>)[BYTES];
    if (typeof b === "string" && Object.keys(value).length === 1) return new Uint8Array(Buffer.from(b, "base64"));
  }
  return value;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, replacer));
}

/** Throws on anything that is not JSON; callers decide what a bad message means. */
export function decodeJson<T = unknown>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data), reviver) as T;
}
