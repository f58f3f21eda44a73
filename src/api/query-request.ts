// Reads one Query-protocol HTTP request: its raw bytes for SigV4, and its parameters from the URL and the form body.
import { AwsError } from "./aws-error.ts";
import type { SignableRequest } from "./sigv4.ts";

export const MAX_BODY_BYTES = 1 << 20;

export interface QueryRequest {
  signable: SignableRequest;
  params: Array<[string, string]>;
}

const SIGNATURE_PARAMS = new Set([
  "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
  "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
]);

export async function readQueryRequest(req: Request): Promise<QueryRequest> {
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

  const params: Array<[string, string]> = [];
  for (const [k, v] of url.searchParams) if (!SIGNATURE_PARAMS.has(k)) params.push([k, v]);
  const type = headers["content-type"] ?? "";
  if (body.byteLength > 0 && (type === "" || type.startsWith("application/x-www-form-urlencoded"))) {
    for (const [k, v] of new URLSearchParams(Buffer.from(body).toString("utf8"))) params.push([k, v]);
  }
  return { signable: { method: req.method, path: rawPath, query, headers, body }, params };
}
