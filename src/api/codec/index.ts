// The gateway's codec: query parameters in, typed inputs out; typed outputs in, XML documents out.

import { CodecError } from "./errors.ts";
import { serviceModel, type ServiceModel, type ServiceName } from "./model.ts";
import { QueryParser } from "./query-parser.ts";
import { writeError, writeResponse } from "./xml-writer.ts";

export { CodecError, type CodecErrorCode } from "./errors.ts";
export type { ServiceName } from "./model.ts";

export interface ServiceCodec {
  readonly service: ServiceName;
  readonly protocol: "ec2" | "query";
  readonly apiVersion: string;
  /** True for any operation in the model. */
  hasAction(action: string): boolean;
  actions(): string[];
  /**
   * Query params (URL-decoded, from body and/or URL query) → the typed input, named as the SDK types name members.
   * Action, Version and X-Amz-* (SigV4 query auth) are skipped. Throws only CodecError; check hasAction first.
   */
  parseInput(action: string, params: Array<[string, string]>): Record<string, unknown>;
  /** Plain output object (SDK member names) → the full XML response document. */
  serializeOutput(action: string, output: Record<string, unknown>, requestId: string): string;
  /** The service's error document. */
  serializeError(code: string, message: string, requestId: string, type?: "Sender" | "Receiver"): string;
}

/** A codec over any ServiceModel; codecFor is the usual entry, this one lets tests bring their own model. */
export function createCodec(service: ServiceName, model: ServiceModel): ServiceCodec {
  const parser = new QueryParser(model.protocol);
  const names = new Set(model.operationNames);
  const operation = (action: string) => {
    const op = names.has(action) ? model.operation(action) : undefined;
    if (!op) throw new CodecError("InvalidParameterValue", `The action ${String(action).slice(0, 100)} is not valid for this web service.`);
    return op;
  };
  return {
    service,
    protocol: model.protocol,
    apiVersion: model.apiVersion,
    hasAction: (action) => names.has(action),
    actions: () => [...model.operationNames],
    parseInput: (action, params) => parser.parse(operation(action).input, params),
    serializeOutput: (action, output, requestId) => {
      const op = operation(action);
      return writeResponse(model, action, op.output, op.resultWrapper, output ?? {}, requestId);
    },
    serializeError: (code, message, requestId, type = "Sender") => writeError(model, code, message, requestId, type),
  };
}

const codecs = new Map<ServiceName, ServiceCodec>();

/** The codec of one service, built on first use and cached. */
export function codecFor(service: ServiceName): ServiceCodec {
  let codec = codecs.get(service);
  if (!codec) {
    codec = createCodec(service, serviceModel(service));
    codecs.set(service, codec);
  }
  return codec;
}
