// Signs raw requests with the AWS SDK's own SigV4 signer (@smithy/signature-v4), the independent oracle for our verifier.
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";

/** The hash class smithy expects, backed by node:crypto (no @aws-crypto needed). */
export class NodeSha256 implements Checksum {
  private readonly secret?: SourceData;
  private chunks: Uint8Array[] = [];
  constructor(secret?: SourceData) {
    this.secret = secret;
  }
  update(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }
  async digest(): Promise<Uint8Array> {
    const h = this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(this.secret));
    for (const c of this.chunks) h.update(c);
    return new Uint8Array(h.digest());
  }
  reset(): void {
    this.chunks = [];
  }
}

function toBytes(data: SourceData): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface SignOptions {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  service?: string;
  region?: string;
  signingDate?: Date;
}

/** A signed form POST: headers and body ready for rawRequest. */
export async function signedForm(o: SignOptions, body: string, sendBody = body) {
  const headers = await signPost(o, o.service ?? "ec2", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body);
  return { headers, body: sendBody };
}

/** A signed JSON-protocol POST (`X-Amz-Target: AmazonSSM.GetParameter`): headers and body ready for rawRequest. */
export async function signedJson(o: SignOptions, service: string, target: string, body: string) {
  const headers = await signPost(o, service, { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body);
  return { headers, body };
}

async function signPost(o: SignOptions, service: string, headers: Record<string, string>, body: string): Promise<Record<string, string>> {
  const url = new URL(o.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    region: o.region ?? "us-east-1",
    service,
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    { method: "POST", protocol: "https:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { host: url.host, ...headers }, body },
    { signingDate: o.signingDate },
  );
  return signed.headers as Record<string, string>;
}

/** A presigned GET URL path (with query) for a Query-protocol action. */
export async function presignedPath(o: SignOptions, query: Record<string, string>, expiresIn = 300): Promise<string> {
  const url = new URL(o.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
    region: o.region ?? "us-east-1",
    service: o.service ?? "ec2",
    sha256: NodeSha256,
  });
  const req = await signer.presign(
    { method: "GET", protocol: "https:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { host: url.host }, query },
    { expiresIn, signingDate: o.signingDate },
  );
  const qs = Object.entries(req.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  return `/?${qs}`;
}
