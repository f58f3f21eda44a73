// The gateway's codec, driven by the service models: query parameters or a JSON body in, typed inputs out; typed
// outputs in, XML or JSON documents out.

import { errorDocument, type ErrorDocument } from "./error-documents.ts";
import { CodecError } from "./errors.ts";
import { parseJsonInput } from "./json-parser.ts";
import { writeJsonOutput } from "./json-writer.ts";
import { serviceModel, type Protocol, type ServiceModel, type ServiceName } from "./model.ts";
import { QueryParser } from "./query-parser.ts";
import { writeResponse } from "./xml-writer.ts";

export { CodecError, type CodecErrorCode } from "./errors.ts";
export { errorDocument, type ErrorDocument, type Wire } from "./error-documents.ts";
export type { ServiceName } from "./model.ts";

export interface ServiceCodec {
  readonly service: ServiceName;
  readonly protocol: Protocol;
  readonly apiVersion: string;
  /** The JSON protocol's X-Amz-Target prefix (`AmazonSSM`); none for the Query services. */
  readonly targetPrefix?: string;
  /** The content type of a success document. */
  readonly contentType: string;
  /** True for any operation in the model. */
  hasAction(action: string): boolean;
  actions(): string[];
  /**
   * Query params (URL-decoded, from body and/or URL query) → the typed input, named as the SDK types name members.
   * Action, Version and X-Amz-* (SigV4 query auth) are skipped. Throws only CodecError; check hasAction first.
   */
  parseInput(action: string, params: Array<[string, string]>): Record<string, unknown>;
  /** A JSON-protocol body → the typed input. Throws only CodecError; check hasAction first. */
  parseJson(action: string, body: string): Record<string, unknown>;
  /** Plain output object (SDK member names) → the full response document, XML or JSON by the protocol. */
  serializeOutput(action: string, output: Record<string, unknown>, requestId: string): string;
  /** The service's error document. */
  serializeError(code: string, message: string, requestId: string, type?: "Sender" | "Receiver"): ErrorDocument;
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
  const json = model.protocol === "json";
  const wrongProtocol = (want: string) => new Error(`${service} speaks ${model.protocol}, not ${want}`);
  return {
    service,
    protocol: model.protocol,
    apiVersion: model.apiVersion,
    ...(model.targetPrefix ? { targetPrefix: model.targetPrefix } : {}),
    contentType: json ? `application/x-amz-json-${model.jsonVersion ?? "1.1"}` : "text/xml;charset=UTF-8",
    hasAction: (action) => names.has(action),
    actions: () => [...model.operationNames],
    parseInput: (action, params) => {
      if (json) throw wrongProtocol("query");
      return parser.parse(operation(action).input, params);
    },
    parseJson: (action, body) => {
      if (!json) throw wrongProtocol("json");
      return parseJsonInput(operation(action).input, body);
    },
    serializeOutput: (action, output, requestId) => {
      const op = operation(action);
      if (json) return writeJsonOutput(op.output, output ?? {});
      return writeResponse(model, action, op.output, op.resultWrapper, output ?? {}, requestId);
    },
    serializeError: (code, message, requestId, type = "Sender") =>
      errorDocument(model.protocol, code, message, requestId, { type, xmlNamespace: model.xmlNamespace, jsonVersion: model.jsonVersion }),
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
