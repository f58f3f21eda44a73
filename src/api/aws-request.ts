// Reads one AWS API request: its raw bytes for SigV4, and how it was spoken — Query parameters from the URL and form
// body, or a JSON-protocol body and its X-Amz-Target — so the gateway can answer in the caller's protocol.
import { AwsError } from "./aws-error.ts";
import type { Wire } from "./codec/index.ts";
import type { SignableRequest } from "./sigv4.ts";

export const MAX_BODY_BYTES = 1 << 20;

export interface AwsRequest {
  signable: SignableRequest;
  /** The service of the SigV4 credential scope, if the request carries one. */
  service?: string;
  /** The protocol the request is in, read from its shape (the service it is scoped to settles S3). */
  wire: Wire;
  /** Query parameters (URL and form body), signature parameters left out. */
  params: Array<[string, string]>;
  /** JSON protocol: `AmazonSSM.GetParameter`. */
  target?: string;
  /** The body as text (JSON protocol). */
  text: string;
}

const SIGNATURE_PARAMS = new Set([
  "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
  "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
]);

/** Services that speak REST-XML; every other REST service speaks REST-JSON. */
const REST_XML_SERVICES = new Set(["cloudfront", "route53"]);

export async function readAwsRequest(req: Request, scopedService: (signable: SignableRequest) => string | undefined): Promise<AwsRequest> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new AwsError("RequestEntityTooLarge", `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
  const body = new Uint8Array(await req.arrayBuffer());
  if (body.byteLength > MAX_BODY_BYTES) throw new AwsError("RequestEntityTooLarge", `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);

  const url = new URL(req.url);
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const query = url.search.startsWith("?") ? url.search.slice(1) : url.search;
  // Path as the client sent it, before any normalisation, for the canonical request.
  const rawPath = req.url.replace(/^[a-z]+:\/\/[^/]*/i, "").split("?")[0] || "/";
  const signable: SignableRequest = { method: req.method, path: rawPath, query, headers, body };
  const text = Buffer.from(body).toString("utf8");

  const params: Array<[string, string]> = [];
  for (const [k, v] of url.searchParams) if (!SIGNATURE_PARAMS.has(k)) params.push([k, v]);
  const type = headers["content-type"] ?? "";
  if (body.byteLength > 0 && (type === "" || type.startsWith("application/x-www-form-urlencoded"))) {
    for (const [k, v] of new URLSearchParams(text)) params.push([k, v]);
  }
  const target = headers["x-amz-target"];
  const service = scopedService(signable);
  return { signable, service, wire: wireOf(service, target, params), params, target, text };
}

function wireOf(service: string | undefined, target: string | undefined, params: Array<[string, string]>): Wire {
  if (service === "s3") return "s3";
  if (target !== undefined) return "json";
  if (params.some(([k]) => k === "Action")) return service === "ec2" || service === undefined ? "ec2" : "query";
  if (service === undefined) return "ec2";
  return REST_XML_SERVICES.has(service) ? "rest-xml" : "rest-json";
}
