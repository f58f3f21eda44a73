// The typed view of the AWS service models: the only module that reads the aws-sdk v2 JSON files.

import ec2Model from "aws-sdk/apis/ec2-2016-11-15.min.json" with { type: "json" };
import iamModel from "aws-sdk/apis/iam-2010-05-08.min.json" with { type: "json" };
import ssmModel from "aws-sdk/apis/ssm-2014-11-06.min.json" with { type: "json" };
import stsModel from "aws-sdk/apis/sts-2011-06-15.min.json" with { type: "json" };
import { extraTraits, type ScalarTraits } from "./traits.ts";

export type ServiceName = "ec2" | "sts" | "iam" | "ssm";
/** The wire protocols of the services Hive serves: EC2's own Query flavour, the awsQuery services, and JSON 1.0/1.1. */
export type Protocol = "ec2" | "query" | "json";

export type ScalarType = "string" | "integer" | "long" | "boolean" | "timestamp" | "double" | "float" | "blob";

export interface ScalarShape {
  readonly type: ScalarType;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/** A reference to a shape plus the serialization traits the reference carries. */
export interface Ref {
  readonly shape: Shape;
  readonly locationName?: string;
  readonly queryName?: string;
  readonly flattened: boolean;
}

export interface Member extends Ref {
  readonly name: string;
}

export interface StructureShape {
  readonly type: "structure";
  readonly members: ReadonlyMap<string, Member>;
  readonly required: readonly string[];
}

export interface ListShape {
  readonly type: "list";
  readonly member: Ref;
}

export interface MapShape {
  readonly type: "map";
  readonly key: Ref;
  readonly value: Ref;
}

export type Shape = StructureShape | ListShape | MapShape | ScalarShape;

export interface Operation {
  readonly name: string;
  readonly input?: StructureShape;
  readonly output?: StructureShape;
  readonly resultWrapper?: string;
}

export interface ServiceModel {
  readonly protocol: Protocol;
  readonly apiVersion: string;
  /** Always ends in "/", as the documents AWS sends do. */
  readonly xmlNamespace: string;
  /** JSON protocol: the X-Amz-Target prefix (`AmazonSSM`) and the content type's version (`1.1`). */
  readonly targetPrefix?: string;
  readonly jsonVersion?: string;
  readonly operationNames: readonly string[];
  operation(name: string): Operation | undefined;
}

/** The raw JSON form: min.json inlines most shapes and leaves out `type` for strings. */
interface RawShape {
  shape?: string;
  type?: string;
  locationName?: string;
  queryName?: string;
  flattened?: boolean;
  member?: RawShape;
  members?: Record<string, RawShape>;
  key?: RawShape;
  value?: RawShape;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  resultWrapper?: string;
}

export interface RawModel {
  metadata: { apiVersion: string; protocol: string; xmlNamespace?: string | { uri?: string }; targetPrefix?: string; jsonVersion?: string };
  operations: Record<string, { input?: RawShape; output?: RawShape }>;
  shapes: Record<string, RawShape>;
}

const scalarTypes = new Set<string>(["string", "integer", "long", "boolean", "timestamp", "double", "float", "blob"]);

/** Builds a ServiceModel from a raw JSON model; operations compile on first use. */
export function modelFromJson(raw: RawModel, traits: Record<string, Record<string, ScalarTraits>> = {}): ServiceModel {
  const named = new Map<string, Shape>();
  const compiled = new Map<string, Operation>();
  const protocol: Protocol = raw.metadata.protocol === "ec2" ? "ec2" : raw.metadata.protocol === "json" ? "json" : "query";
  const ns = typeof raw.metadata.xmlNamespace === "string" ? raw.metadata.xmlNamespace : (raw.metadata.xmlNamespace?.uri ?? "");

  // `register` runs before members compile, so recursive named shapes terminate.
  const build = (def: RawShape, register: (shape: Shape) => void): Shape => {
    const type = def.type ?? "string";
    if (type === "structure") {
      const members = new Map<string, Member>();
      const shape: StructureShape = { type, members, required: def.required ?? [] };
      register(shape);
      for (const [name, member] of Object.entries(def.members ?? {})) members.set(name, { ...toRef(member), name });
      return shape;
    }
    if (type === "list") {
      const shape: { type: "list"; member: Ref } = { type, member: undefined as unknown as Ref };
      register(shape);
      shape.member = toRef(def.member ?? {});
      return shape;
    }
    if (type === "map") {
      const shape: { type: "map"; key: Ref; value: Ref } = { type, key: undefined as unknown as Ref, value: undefined as unknown as Ref };
      register(shape);
      shape.key = toRef(def.key ?? {});
      shape.value = toRef(def.value ?? {});
      return shape;
    }
    const scalar: { -readonly [K in keyof ScalarShape]: ScalarShape[K] } = {
      type: (scalarTypes.has(type) ? type : "string") as ScalarType,
    };
    if (def.enum) scalar.enum = def.enum;
    if (typeof def.min === "number") scalar.min = def.min;
    if (typeof def.max === "number") scalar.max = def.max;
    return scalar;
  };

  const resolve = (def: RawShape): Shape => {
    if (def.shape === undefined) return build(def, () => {});
    const name = def.shape;
    return named.get(name) ?? build(Object.hasOwn(raw.shapes, name) ? raw.shapes[name]! : {}, (shape) => named.set(name, shape));
  };

  const toRef = (def: RawShape): Ref => {
    const target = def.shape !== undefined && Object.hasOwn(raw.shapes, def.shape) ? raw.shapes[def.shape] : undefined;
    const ref: { -readonly [K in keyof Ref]: Ref[K] } = {
      shape: resolve(def),
      flattened: Boolean(def.flattened ?? target?.flattened),
    };
    const locationName = def.locationName ?? target?.locationName;
    if (locationName !== undefined) ref.locationName = locationName;
    if (def.queryName !== undefined) ref.queryName = def.queryName;
    return ref;
  };

  const compileOperation = (name: string): Operation | undefined => {
    const rawOp = Object.hasOwn(raw.operations, name) ? raw.operations[name] : undefined;
    if (!rawOp) return undefined;
    const op: { -readonly [K in keyof Operation]: Operation[K] } = { name };
    if (rawOp.input) {
      const input = resolve(rawOp.input);
      if (input.type === "structure") op.input = applyTraits(input, traits[name] ?? {});
    }
    if (rawOp.output) {
      const output = resolve(rawOp.output);
      if (output.type === "structure") op.output = output;
      if (rawOp.output.resultWrapper !== undefined) op.resultWrapper = rawOp.output.resultWrapper;
    }
    return op;
  };

  return {
    protocol,
    apiVersion: raw.metadata.apiVersion,
    xmlNamespace: ns === "" || ns.endsWith("/") ? ns : `${ns}/`,
    ...(raw.metadata.targetPrefix ? { targetPrefix: raw.metadata.targetPrefix, jsonVersion: raw.metadata.jsonVersion ?? "1.0" } : {}),
    operationNames: Object.keys(raw.operations),
    operation(name) {
      let op = compiled.get(name);
      if (op === undefined) {
        op = compileOperation(name);
        if (op) compiled.set(name, op);
      }
      return op;
    },
  };
}

/** Returns a copy of `input` with extra scalar traits set along member paths like "BlockDeviceMappings.Ebs.VolumeType". */
function applyTraits(input: StructureShape, byPath: Record<string, ScalarTraits>): StructureShape {
  let out = input;
  for (const [path, traits] of Object.entries(byPath)) out = withTraits(out, path.split("."), traits) as StructureShape;
  return out;
}

// Copy-on-path: named shapes are shared between operations, so only the path to the member is cloned.
function withTraits(shape: Shape, path: string[], traits: ScalarTraits): Shape {
  if (shape.type === "list") return { ...shape, member: { ...shape.member, shape: withTraits(shape.member.shape, path, traits) } };
  if (shape.type === "structure") {
    const [head, ...rest] = path;
    const member = head === undefined ? undefined : shape.members.get(head);
    if (!member) throw new Error(`extra trait path does not match the model at ${head}`);
    const members = new Map(shape.members);
    members.set(member.name, { ...member, shape: withTraits(member.shape, rest, traits) });
    return { ...shape, members };
  }
  if (shape.type === "map" || path.length > 0) throw new Error(`extra trait path ends on a ${shape.type}`);
  return { ...shape, ...traits };
}

const rawModels: Record<ServiceName, unknown> = { ec2: ec2Model, sts: stsModel, iam: iamModel, ssm: ssmModel };
const loaded = new Map<ServiceName, ServiceModel>();

/** The model of one of Hive's services, built on first use. */
export function serviceModel(service: ServiceName): ServiceModel {
  let model = loaded.get(service);
  if (!model) {
    model = modelFromJson(rawModels[service] as RawModel, extraTraits[service]);
    loaded.set(service, model);
  }
  return model;
}
