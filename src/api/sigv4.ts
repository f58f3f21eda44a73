// AWS Signature Version 4: verifies signed requests at the gateway and signs requests for Hive's own CLI and benchmarks.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface SignableRequest {
  method: string;
  /** Raw path from the URL, not yet decoded. */
  path: string;
  /** Raw query string without '?', may be "". */
  query: string;
  /** Header names in any case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type VerifyFailure =
  | "missing"
  | "malformed"
  | "unknown-key"
  | "expired"
  | "scope"
  | "payload-hash"
  | "bad-signature";

export interface VerifyOk {
  ok: true;
  accessKeyId: string;
  region: string;
  service: string;
  signedAt: Date;
}

export interface VerifyErr {
  ok: false;
  reason: VerifyFailure;
  message: string;
  service?: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const TERMINATOR = "aws4_request";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const CONTENT_SHA256 = "x-amz-content-sha256";
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES_SECONDS = 604800;
const KEY_CACHE_LIMIT = 256;
const Q_ALGORITHM = "X-Amz-Algorithm";
const Q_CREDENTIAL = "X-Amz-Credential";
const Q_DATE = "X-Amz-Date";
const Q_EXPIRES = "X-Amz-Expires";
const Q_SIGNED_HEADERS = "X-Amz-SignedHeaders";
const Q_SIGNATURE = "X-Amz-Signature";
const PRESIGN_PARAMS = new Set([Q_ALGORITHM, Q_CREDENTIAL, Q_DATE, Q_EXPIRES, Q_SIGNED_HEADERS, Q_SIGNATURE]);
/** Headers a signer leaves out because hops and proxies add, drop or rewrite them. */
const UNSIGNABLE = new Set([
  "authorization",
  "connection",
  "expect",
  "keep-alive",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);
const HEX_DIGITS = "0123456789ABCDEF";
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

// ---------------------------------------------------------------------------
// Encoding

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

/** RFC 3986 escaping: unreserved bytes stay, everything else becomes uppercase %XX. */
function uriEncodeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : "%" + HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
  }
  return out;
}

function uriEncode(text: string): string {
  return uriEncodeBytes(utf8.encode(text));
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Form-style decoding to bytes: '+' is a space (as URLSearchParams reads it), a bad escape stays literal. */
function percentDecode(raw: string): Uint8Array {
  const src = utf8.encode(raw);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!);
      const lo = hexValue(src[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b === 0x2b ? 0x20 : b;
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------
// Query strings

interface QueryParam {
  key: string;
  value: string;
  encKey: string;
  encValue: string;
}

function parseQuery(raw: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const keyBytes = percentDecode(eq < 0 ? part : part.slice(0, eq));
    const valueBytes = percentDecode(eq < 0 ? "" : part.slice(eq + 1));
    params.push({
      key: utf8Decoder.decode(keyBytes),
      value: utf8Decoder.decode(valueBytes),
      encKey: uriEncodeBytes(keyBytes),
      encValue: uriEncodeBytes(valueBytes),
    });
  }
  return params;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by encoded key, then encoded value; sorting joined "k=v" would misorder keys that prefix others. */
function canonicalQuery(params: QueryParam[], skipSignature: boolean): string {
  return params
    .filter((p) => !(skipSignature && p.key === Q_SIGNATURE))
    .sort((a, b) => compareAscii(a.encKey, b.encKey) || compareAscii(a.encValue, b.encValue))
    .map((p) => `${p.encKey}=${p.encValue}`)
    .join("&");
}

/** The single value of a query parameter; null when repeated, so auth parameters cannot be smuggled twice. */
function singleParam(params: QueryParam[], key: string): string | undefined | null {
  let found: string | undefined;
  for (const p of params) {
    if (p.key !== key) continue;
    if (found !== undefined) return null;
    found = p.value;
  }
  return found;
}

// ---------------------------------------------------------------------------
// Canonical request

/** Non-S3 services sign the wire path normalized and encoded a second time; S3 signs it as sent. */
function canonicalUri(path: string, service: string): string {
  if (service === "s3") return path === "" ? "/" : path;
  const segments: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(uriEncode(seg));
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return "/" + segments.join("/") + trailing;
}

function canonicalHeaderValue(value: string): string {
  return value.replace(/[\t\r\n ]+/g, " ").replace(/^ | $/g, "");
}

/** Header names lowercased; values of names that differ only in case are joined by commas, as HTTP folds them. */
function lowerHeaders(headers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || raw === null) continue;
    const value = Array.isArray(raw) ? raw.map(String).join(",") : String(raw);
    const key = name.toLowerCase();
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

function canonicalHeaderBlock(headers: Map<string, string>, signed: string[]): string {
  return signed.map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? "")}\n`).join("");
}

interface CanonicalParts {
  method: string;
  uri: string;
  query: string;
  headers: Map<string, string>;
  signed: string[];
  payloadHash: string;
}

function canonicalRequest(p: CanonicalParts): string {
  return [p.method, p.uri, p.query, canonicalHeaderBlock(p.headers, p.signed), p.signed.join(";"), p.payloadHash].join(
    "\n",
  );
}

// ---------------------------------------------------------------------------
// Crypto

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

const signingKeys = new Map<string, Buffer>();

/** Derived keys change once a day per scope, so a small cache spares four HMACs per request. */
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  const hit = signingKeys.get(cacheKey);
  if (hit) return hit;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), TERMINATOR);
  if (signingKeys.size >= KEY_CACHE_LIMIT) signingKeys.delete(signingKeys.keys().next().value!);
  signingKeys.set(cacheKey, key);
  return key;
}

function signature(secret: string, amzDate: string, scope: Scope, canonical: string): string {
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
  const toSign = `${ALGORITHM}\n${amzDate}\n${scopeText}\n${sha256Hex(canonical)}`;
  return hmac(signingKey(secret, scope.date, scope.region, scope.service), toSign).toString("hex");
}

// ---------------------------------------------------------------------------
// Dates

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

function parseAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  // Round-tripping rejects dates like 20261331T250000Z that Date.UTC would roll over.
  return formatAmzDate(d) === text ? d : undefined;
}

/** The Date header may carry either the ISO basic form or an HTTP date. */
function parseDateHeader(text: string): Date | undefined {
  if (AMZ_DATE.test(text)) return parseAmzDate(text);
  if (!HTTP_DATE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

// ---------------------------------------------------------------------------
// Parsing the signature's claims

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

interface Claims {
  form: "header" | "query";
  scope: Scope;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  signedAt: Date;
  expiresSeconds?: number;
}

class Malformed extends Error {}

function parseScope(text: string): Scope | undefined {
  const parts = text.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) return undefined;
  return { accessKeyId, date, region, service, terminator };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function parseSignedHeaders(text: string): string[] {
  const names = text.split(";").map((n) => n.toLowerCase());
  if (names.some((n) => !HEADER_NAME.test(n))) throw new Malformed(`Invalid SignedHeaders '${text}'.`);
  const unique = [...new Set(names)].sort(compareAscii);
  if (!unique.includes("host")) throw new Malformed("'Host' must be a signed header.");
  return unique;
}

function parseSignature(text: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Malformed("Signature must be 64 hexadecimal characters.");
  return text.toLowerCase();
}

function requireScope(text: string): Scope {
  const scope = parseScope(text);
  if (!scope) throw new Malformed(`Credential '${text}' must be <key>/<yyyymmdd>/<region>/<service>/aws4_request.`);
  return scope;
}

/** Splits "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" into its named fields. */
function authorizationFields(value: string): Map<string, string> {
  const m = /^(\S+)\s+(.*)$/s.exec(value.trim());
  if (!m) throw new Malformed("Authorization header is not a SigV4 header.");
  if (m[1] !== ALGORITHM) throw new Malformed(`Unsupported algorithm '${m[1]}'; expected ${ALGORITHM}.`);
  const fields = new Map<string, string>();
  for (const raw of m[2]!.split(",")) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Malformed(`Authorization field '${part}' is not name=value.`);
    const name = part.slice(0, eq);
    if (fields.has(name)) throw new Malformed(`Authorization field '${name}' appears twice.`);
    fields.set(name, part.slice(eq + 1));
  }
  return fields;
}

function requireField(fields: Map<string, string>, name: string): string {
  const v = fields.get(name);
  if (v === undefined || v === "") throw new Malformed(`Authorization header requires a '${name}' field.`);
  return v;
}

function headerClaims(authorization: string, headers: Map<string, string>): Claims {
  const fields = authorizationFields(authorization);
  const scope = requireScope(requireField(fields, "Credential"));
  const signedHeaders = parseSignedHeaders(requireField(fields, "SignedHeaders"));
  const sig = parseSignature(requireField(fields, "Signature"));
  const amzHeader = headers.get("x-amz-date");
  const dateHeader = headers.get("date");
  let signedAt: Date | undefined;
  if (amzHeader !== undefined) signedAt = parseAmzDate(amzHeader.trim());
  else if (dateHeader !== undefined) signedAt = parseDateHeader(dateHeader.trim());
  else throw new Malformed("Request needs an X-Amz-Date or Date header.");
  if (!signedAt) throw new Malformed("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'.");
  return { form: "header", scope, signedHeaders, signature: sig, amzDate: formatAmzDate(signedAt), signedAt };
}

function requireParam(params: QueryParam[], key: string): string {
  const v = singleParam(params, key);
  if (v === null) throw new Malformed(`Query parameter ${key} appears more than once.`);
  if (v === undefined || v === "") throw new Malformed(`Presigned request requires ${key}.`);
  return v;
}

function queryClaims(params: QueryParam[]): Claims {
  const algorithm = requireParam(params, Q_ALGORITHM);
  if (algorithm !== ALGORITHM) throw new Malformed(`Unsupported algorithm '${algorithm}'; expected ${ALGORITHM}.`);
  const scope = requireScope(requireParam(params, Q_CREDENTIAL));
  const amzDate = requireParam(params, Q_DATE);
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) throw new Malformed("X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z'.");
  const expiresText = requireParam(params, Q_EXPIRES);
  const expiresSeconds = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_EXPIRES_SECONDS)) {
    throw new Malformed(`X-Amz-Expires must be between 1 and ${MAX_EXPIRES_SECONDS} seconds.`);
  }
  const signedHeaders = parseSignedHeaders(requireParam(params, Q_SIGNED_HEADERS));
  const sig = parseSignature(requireParam(params, Q_SIGNATURE));
  return { form: "query", scope, signedHeaders, signature: sig, amzDate, signedAt, expiresSeconds };
}

function isPresigned(params: QueryParam[]): boolean {
  return params.some((p) => p.key === Q_SIGNATURE || p.key === Q_ALGORITHM || p.key === Q_CREDENTIAL);
}

// ---------------------------------------------------------------------------
// Verification

function fail(reason: VerifyFailure, message: string, service?: string): VerifyErr {
  return service === undefined ? { ok: false, reason, message } : { ok: false, reason, message, service };
}

function timeProblem(c: Claims, now: Date): string | undefined {
  const signed = c.signedAt.getTime();
  const at = now.getTime();
  if (c.form === "header") {
    return Math.abs(at - signed) > MAX_SKEW_MS
      ? `Request timestamp ${c.amzDate} is more than 15 minutes from the server time ${formatAmzDate(now)}.`
      : undefined;
  }
  if (signed - at > MAX_SKEW_MS) return `Request is not valid until ${c.amzDate}.`;
  if (at > signed + c.expiresSeconds! * 1000) return `Presigned request expired ${c.expiresSeconds} seconds after ${c.amzDate}.`;
  return undefined;
}

class PayloadMismatch extends Error {}

/** Presigners hoist x-amz-* headers into the query under whatever case the caller used. */
function hoistedContentHash(params: QueryParam[]): string | undefined {
  const found = params.filter((p) => p.key.toLowerCase() === CONTENT_SHA256);
  return found.length === 1 ? found[0]!.value : undefined;
}

/** The payload hash the signer used; throws a payload-hash complaint when the body does not match it. */
function payloadHash(c: Claims, headers: Map<string, string>, params: QueryParam[], body: Uint8Array): string {
  const claimed = headers.get(CONTENT_SHA256) ?? (c.form === "query" ? hoistedContentHash(params) : undefined);
  const actual = sha256Hex(body);
  if (claimed === undefined || claimed === null) return actual;
  if (claimed === UNSIGNED_PAYLOAD) {
    if (c.form === "query") return claimed;
    throw new PayloadMismatch("UNSIGNED-PAYLOAD is only allowed for presigned requests.");
  }
  if (claimed.toLowerCase() !== actual) throw new PayloadMismatch("x-amz-content-sha256 does not match the request body.");
  return claimed;
}


function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

function readClaims(headers: Map<string, string>, params: QueryParam[]): Claims | undefined {
  const authorization = headers.get("authorization");
  const presigned = isPresigned(params);
  if (authorization !== undefined && presigned) {
    throw new Malformed("Only one authentication mechanism is allowed: Authorization header or query parameters.");
  }
  if (authorization !== undefined) return headerClaims(authorization, headers);
  return presigned ? queryClaims(params) : undefined;
}

function verifyInner(req: SignableRequest, secretFor: (id: string) => string | undefined, now: Date): VerifyOk | VerifyErr {
  const headers = lowerHeaders(req.headers);
  const params = parseQuery(req.query);
  let claims: Claims | undefined;
  try {
    claims = readClaims(headers, params);
  } catch (e) {
    return fail("malformed", e instanceof Malformed ? e.message : "Unparsable signature.", scopeService(req));
  }
  if (!claims) return fail("missing", "Request is missing an Authorization header or X-Amz-Signature.");
  const { scope } = claims;
  if (scope.terminator !== TERMINATOR) {
    return fail("scope", `Credential scope must end with ${TERMINATOR}, not '${scope.terminator}'.`, scope.service);
  }
  if (scope.date !== claims.amzDate.slice(0, 8)) {
    return fail("scope", `Credential date ${scope.date} does not match X-Amz-Date ${claims.amzDate}.`, scope.service);
  }
  const late = timeProblem(claims, now);
  if (late) return fail("expired", late, scope.service);
  const secret = secretFor(scope.accessKeyId);
  if (secret === undefined) {
    return fail("unknown-key", "The security token included in the request is invalid.", scope.service);
  }
  let hash: string;
  try {
    hash = payloadHash(claims, headers, params, req.body);
  } catch (e) {
    if (e instanceof PayloadMismatch) return fail("payload-hash", e.message, scope.service);
    throw e;
  }
  const missingHeader = claims.signedHeaders.find((n) => !headers.has(n));
  if (missingHeader) return fail("bad-signature", `Signed header '${missingHeader}' is not in the request.`, scope.service);
  const canonical = canonicalRequest({
    method: req.method,
    uri: canonicalUri(req.path, scope.service),
    query: canonicalQuery(params, claims.form === "query"),
    headers,
    signed: claims.signedHeaders,
    payloadHash: hash,
  });
  const expected = signature(secret, claims.amzDate, scope, canonical);
  if (!signaturesEqual(expected, claims.signature)) {
    return fail(
      "bad-signature",
      "The request signature we calculated does not match the signature you provided.",
      scope.service,
    );
  }
  return { ok: true, accessKeyId: scope.accessKeyId, region: scope.region, service: scope.service, signedAt: claims.signedAt };
}

export function verifySigV4(
  req: SignableRequest,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date = new Date(),
): VerifyOk | VerifyErr {
  try {
    return verifyInner(req, secretFor, now);
  } catch {
    // Garbage of a shape nobody foresaw must still become a client error, never a crash.
    return fail("malformed", "Unparsable signature.");
  }
}

/** The service named by the credential scope, read without verifying (for choosing the error dialect); undefined when absent. */
export function scopeService(req: Pick<SignableRequest, "headers" | "query">): string | undefined {
  try {
    const authorization = lowerHeaders(req.headers).get("authorization");
    const credential =
      authorization !== undefined
        ? /Credential=([^,\s]+)/.exec(authorization)?.[1]
        : singleParam(parseQuery(req.query), Q_CREDENTIAL);
    if (!credential) return undefined;
    const parts = credential.split("/");
    return parts.length === 5 && parts[3] !== "" ? parts[3] : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Signing

interface SignOptions {
  region: string;
  service: string;
  date?: Date;
}

function scopeFor(creds: Credentials, date: string, opts: SignOptions): Scope {
  return { accessKeyId: creds.accessKeyId, date, region: opts.region, service: opts.service, terminator: TERMINATOR };
}

function signableNames(headers: Map<string, string>): string[] {
  const names = [...headers.keys()].filter((n) => !UNSIGNABLE.has(n) && !n.startsWith("proxy-"));
  if (!names.includes("host")) throw new Error("SigV4 signing needs a host header.");
  return names.sort(compareAscii);
}

function credentialText(scope: Scope): string {
  return `${scope.accessKeyId}/${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
}

/** Returns the headers to add to the request: authorization and x-amz-date. The caller provides host. */
export function signRequest(req: SignableRequest, creds: Credentials, opts: SignOptions): Record<string, string> {
  const amzDate = formatAmzDate(opts.date ?? new Date());
  const headers = lowerHeaders(req.headers);
  headers.delete("authorization");
  headers.set("x-amz-date", amzDate);
  const signed = signableNames(headers);
  const scope = scopeFor(creds, amzDate.slice(0, 8), opts);
  const canonical = canonicalRequest({
    method: req.method,
    uri: canonicalUri(req.path, opts.service),
    query: canonicalQuery(parseQuery(req.query), false),
    headers,
    signed,
    payloadHash: headers.get(CONTENT_SHA256) ?? sha256Hex(req.body),
  });
  const sig = signature(creds.secretAccessKey, amzDate, scope, canonical);
  return {
    authorization: `${ALGORITHM} Credential=${credentialText(scope)}, SignedHeaders=${signed.join(";")}, Signature=${sig}`,
    "x-amz-date": amzDate,
  };
}

/** Drops any earlier X-Amz-* signing parameters so a request can be presigned again. */
function withoutPresignParams(query: string): string[] {
  return query.split("&").filter((part) => {
    if (part === "") return false;
    const eq = part.indexOf("=");
    return !PRESIGN_PARAMS.has(utf8Decoder.decode(percentDecode(eq < 0 ? part : part.slice(0, eq))));
  });
}

/** Returns the full query string: the request's own parameters followed by the X-Amz-* signing parameters. */
export function presignQuery(
  req: SignableRequest,
  creds: Credentials,
  opts: SignOptions & { expiresSeconds: number },
): string {
  const { expiresSeconds } = opts;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) {
    throw new RangeError(`expiresSeconds must be an integer from 1 to ${MAX_EXPIRES_SECONDS}.`);
  }
  const amzDate = formatAmzDate(opts.date ?? new Date());
  const headers = lowerHeaders(req.headers);
  headers.delete("authorization");
  headers.delete("x-amz-date");
  const signed = signableNames(headers);
  const scope = scopeFor(creds, amzDate.slice(0, 8), opts);
  const added: [string, string][] = [
    [Q_ALGORITHM, ALGORITHM],
    [Q_CREDENTIAL, credentialText(scope)],
    [Q_DATE, amzDate],
    [Q_EXPIRES, String(expiresSeconds)],
    [Q_SIGNED_HEADERS, signed.join(";")],
  ];
  const parts = [...withoutPresignParams(req.query), ...added.map(([k, v]) => `${k}=${uriEncode(v)}`)];
  const canonical = canonicalRequest({
    method: req.method,
    uri: canonicalUri(req.path, opts.service),
    query: canonicalQuery(parseQuery(parts.join("&")), true),
    headers,
    signed,
    payloadHash: headers.get(CONTENT_SHA256) ?? sha256Hex(req.body),
  });
  const sig = signature(creds.secretAccessKey, amzDate, scope, canonical);
  return [...parts, `${Q_SIGNATURE}=${sig}`].join("&");
}
