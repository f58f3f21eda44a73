// Turns flat query parameters (Filter.1.Value.2=x) into the typed input object an operation's model describes.

import { CodecError } from "./errors.ts";
import type { ListShape, MapShape, Member, Protocol, Ref, ScalarShape, StructureShape } from "./model.ts";

type Scalar = string | number | boolean | Date | Uint8Array;

class StructNode {
  readonly fields = new Map<string, Slot>();
  constructor(
    readonly shape: StructureShape,
    readonly path: string,
  ) {}
}

class ListNode {
  // Sparse by index, so Filter.99999999.Name costs one entry, not an array of that length.
  readonly items = new Map<number, Slot>();
  constructor(readonly path: string) {}
}

class MapNode {
  readonly entries = new Map<number, { key?: string; value?: Slot }>();
  constructor(readonly path: string) {}
}

type Slot = StructNode | ListNode | MapNode | Scalar;

// Keys with more segments than any model nests are rejected before walking.
const maxSegments = 32;
const indexPattern = /^[1-9][0-9]{0,8}$/;
const integerPattern = /^[+-]?[0-9]{1,20}$/;
const decimalPattern = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const epochPattern = /^\d{1,12}(?:\.\d{1,9})?$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses one operation's parameters; one instance per service protocol caches wire-name lookups. */
export class QueryParser {
  private readonly wireNames = new WeakMap<StructureShape, Map<string, Member>>();

  constructor(private readonly protocol: Protocol) {}

  parse(input: StructureShape | undefined, params: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
    const root = input ?? { type: "structure" as const, members: new Map<string, Member>(), required: [] };
    const node = new StructNode(root, "");
    for (const [key, value] of params) {
      if (key === "Action" || key === "Version" || /^x-amz-/i.test(key)) continue;
      const parts = key.split(".");
      if (parts.length > maxSegments) throw unknown(key);
      this.intoStruct(node, parts, 0, key, String(value));
    }
    return finishStruct(node, this.protocol, this);
  }

  /** Member lookup by the name it carries on the wire for this protocol. */
  wireIndex(shape: StructureShape): Map<string, Member> {
    let index = this.wireNames.get(shape);
    if (!index) {
      index = new Map();
      for (const member of shape.members.values()) index.set(this.wireName(member), member);
      this.wireNames.set(shape, index);
    }
    return index;
  }

  wireName(member: Member): string {
    if (this.protocol === "ec2") {
      if (member.queryName !== undefined) return member.queryName;
      const loc = member.locationName;
      return loc ? loc[0]!.toUpperCase() + loc.slice(1) : member.name;
    }
    // awsQuery names a flattened list after its member's locationName when it has one.
    if (member.shape.type === "list" && member.flattened && member.shape.member.locationName) return member.shape.member.locationName;
    return member.locationName ?? member.name;
  }

  private intoStruct(node: StructNode, parts: string[], i: number, key: string, value: string): void {
    if (i >= parts.length) throw unknown(key);
    const member = this.wireIndex(node.shape).get(parts[i]!);
    if (!member) throw unknown(key);
    const path = i === 0 ? parts[0]! : `${node.path}.${parts[i]}`;
    node.fields.set(member.name, this.intoRef(member, node.fields.get(member.name), parts, i + 1, key, value, path));
  }

  private intoRef(ref: Ref, existing: Slot | undefined, parts: string[], i: number, key: string, value: string, path: string): Slot {
    const shape = ref.shape;
    switch (shape.type) {
      case "structure": {
        const node = existing instanceof StructNode ? existing : new StructNode(shape, path);
        this.intoStruct(node, parts, i, key, value);
        return node;
      }
      case "list":
        return this.intoList(ref, shape, existing, parts, i, key, value, path);
      case "map":
        return this.intoMap(ref, shape, existing, parts, i, key, value, path);
      default:
        if (i !== parts.length) throw unknown(key);
        return scalar(shape, key, value);
    }
  }

  private intoList(ref: Ref, shape: ListShape, existing: Slot | undefined, parts: string[], i: number, key: string, value: string, path: string): Slot {
    const node = existing instanceof ListNode ? existing : new ListNode(path);
    if (this.protocol === "query" && !ref.flattened) {
      // An empty list goes on the wire as `Name=`.
      if (i === parts.length && value === "") return node;
      if (parts[i] !== (shape.member.locationName ?? "member")) throw unknown(key);
      path = `${path}.${parts[i]}`;
      i++;
    }
    if (i === parts.length) {
      if (value === "") return node;
      throw unknown(key);
    }
    const index = listIndex(parts[i]!, key);
    node.items.set(index, this.intoRef(shape.member, node.items.get(index), parts, i + 1, key, value, `${path}.${parts[i]}`));
    return node;
  }

  private intoMap(ref: Ref, shape: MapShape, existing: Slot | undefined, parts: string[], i: number, key: string, value: string, path: string): Slot {
    // The node's path includes ".entry", so a half-sent entry is named as it went on the wire.
    const node = existing instanceof MapNode ? existing : new MapNode(ref.flattened ? path : `${path}.entry`);
    if (!ref.flattened) {
      if (i === parts.length && value === "") return node;
      if (parts[i] !== "entry") throw unknown(key);
      i++;
    }
    if (i === parts.length) {
      if (value === "") return node;
      throw unknown(key);
    }
    const index = listIndex(parts[i]!, key);
    let entry = node.entries.get(index);
    if (!entry) node.entries.set(index, (entry = {}));
    const part = parts[i + 1];
    if (part === (shape.key.locationName ?? "key") && i + 2 === parts.length) {
      entry.key = value;
    } else if (part === (shape.value.locationName ?? "value")) {
      entry.value = this.intoRef(shape.value, entry.value, parts, i + 2, key, value, `${node.path}.${parts[i]}.${part}`);
    } else {
      throw unknown(key);
    }
    return node;
  }
}

function finishStruct(node: StructNode, protocol: Protocol, parser: QueryParser): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, slot] of node.fields) out[name] = finish(slot, protocol, parser);
  for (const name of node.shape.required) {
    if (out[name] !== undefined) continue;
    const member = node.shape.members.get(name);
    const wire = member ? parser.wireName(member) : name;
    throw new CodecError("MissingParameter", `The request must contain the parameter ${node.path ? `${node.path}.${wire}` : wire}`);
  }
  return out;
}

function finish(slot: Slot, protocol: Protocol, parser: QueryParser): unknown {
  if (slot instanceof StructNode) return finishStruct(slot, protocol, parser);
  if (slot instanceof ListNode) {
    return [...slot.items.keys()].sort((a, b) => a - b).map((index) => finish(slot.items.get(index)!, protocol, parser));
  }
  if (slot instanceof MapNode) {
    const out: Record<string, unknown> = {};
    for (const index of [...slot.entries.keys()].sort((a, b) => a - b)) {
      const entry = slot.entries.get(index)!;
      if (entry.key === undefined || entry.value === undefined) {
        const missing = entry.key === undefined ? "key" : "value";
        throw new CodecError("MissingParameter", `The request must contain the parameter ${slot.path}.${index}.${missing}`);
      }
      // defineProperty, so a key named __proto__ becomes data instead of a prototype swap.
      Object.defineProperty(out, entry.key, { value: finish(entry.value, protocol, parser), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return slot;
}

function listIndex(part: string, key: string): number {
  if (!indexPattern.test(part)) throw invalid(key, part, "List indexes must be positive integers.");
  return Number(part);
}

function scalar(shape: ScalarShape, key: string, value: string): Scalar {
  switch (shape.type) {
    case "string":
      if (shape.enum && !shape.enum.includes(value)) {
        throw invalid(key, value, `Valid values are: ${shape.enum.join(", ")}.`);
      }
      return value;
    case "boolean": {
      const lower = value.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw invalid(key, value, "Expected true or false.");
    }
    case "integer":
    case "long": {
      const n = integerPattern.test(value) ? Number(value) : NaN;
      const [lo, hi] = shape.type === "integer" ? [-2147483648, 2147483647] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (!Number.isSafeInteger(n) || n < lo || n > hi) throw invalid(key, value, "Expected an integer.");
      checkRange(shape, n, key, value);
      return n;
    }
    case "double":
    case "float": {
      const n = decimalPattern.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw invalid(key, value, "Expected a number.");
      checkRange(shape, n, key, value);
      return n;
    }
    case "timestamp": {
      let ms = NaN;
      if (epochPattern.test(value)) ms = Number(value) * 1000;
      else if (isoPattern.test(value)) ms = Date.parse(value);
      const date = new Date(ms);
      if (Number.isNaN(date.getTime())) throw invalid(key, value, "Expected an ISO 8601 timestamp.");
      return date;
    }
    case "blob": {
      const compact = value.replace(/\s+/g, "");
      if (!base64Pattern.test(compact)) throw invalid(key, value, "Expected base64.");
      return new Uint8Array(Buffer.from(compact, "base64"));
    }
  }
}

function checkRange(shape: ScalarShape, n: number, key: string, value: string): void {
  if (shape.min !== undefined && n < shape.min) throw invalid(key, value, `Must be at least ${shape.min}.`);
  if (shape.max !== undefined && n > shape.max) throw invalid(key, value, `Must be at most ${shape.max}.`);
}

// Echoed values are cut short, so a huge parameter does not become a huge error document.
const shown = (s: string): string => (s.length > 200 ? `${s.slice(0, 200)}...` : s);

const unknown = (key: string): CodecError => new CodecError("UnknownParameter", `The parameter ${shown(key)} is not recognized`);

const invalid = (key: string, value: string, why: string): CodecError =>
  new CodecError("InvalidParameterValue", `Value (${shown(value)}) for parameter ${shown(key)} is invalid. ${why}`);
