// Checks SigV4 verification and signing against @smithy/signature-v4 as an independent oracle.

import { test } from "node:test";
import assert from "node:assert/strict";
import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../helpers/sign.ts";
import {
  presignQuery,
  scopeService,
  signRequest,
  verifySigV4,
  type SignableRequest,
  type VerifyErr,
} from "../../src/api/sigv4.ts";

const AKID = "AKIAHIVETEST0000001";
const SECRET = "hive/secret+key/0123456789abcdefghijKLMN";
const NOW = new Date("2026-11-29T10:20:30Z");
const HOST = "ec2.hive.local";
const secrets = new Map([[AKID, SECRET]]);
const secretFor = (id: string) => secrets.get(id);
const enc = new TextEncoder();

function smithy(secret = SECRET, opts: { service?: string; applyChecksum?: boolean } = {}) {
  return new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: secret },
    region: "us-east-1",
    service: opts.service ?? "ec2",
    sha256: NodeSha256,
    applyChecksum: opts.applyChecksum ?? false,
  });
}

type Query = Record<string, string | string[] | null>;

interface Spec {
  method?: string;
  path?: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: string;
}

/** Serializes a decoded query the way a plain client would, with encodeURIComponent (leaving !'()* bare). */
function wireQuery(query: Query): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === null) continue;
    for (const value of Array.isArray(v) ? v : [v]) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.join("&");
}

function smithyRequest(spec: Spec) {
  return {
    method: spec.method ?? "POST",
    protocol: "https:",
    hostname: HOST,
    path: spec.path ?? "/",
    query: spec.query ?? {},
    headers: { host: HOST, "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...spec.headers },
    body: spec.body ?? "Action=DescribeInstances&Version=2016-11-15",
  };
}

function toSignable(r: { method: string; path: string; query?: Query; headers: Record<string, string>; body?: unknown }): SignableRequest {
  return {
    method: r.method,
    path: r.path,
    query: wireQuery(r.query ?? {}),
    headers: { ...r.headers },
    body: enc.encode(typeof r.body === "string" ? r.body : ""),
  };
}

async function signedBySmithy(spec: Spec = {}, secret = SECRET, at = NOW): Promise<SignableRequest> {
  return toSignable(await smithy(secret).sign(smithyRequest(spec), { signingDate: at }));
}

async function presignedBySmithy(spec: Spec = {}, expiresIn = 300, at = NOW): Promise<SignableRequest> {
  const req = smithyRequest({ method: "GET", body: "", ...spec });
  return toSignable(await smithy().presign({ ...req, headers: { host: HOST } }, { signingDate: at, expiresIn }));
}

function expectFailure(result: ReturnType<typeof verifySigV4>, reason: VerifyErr["reason"]): VerifyErr {
  assert.equal(result.ok, false, `expected ${reason}, got ok`);
  const err = result as VerifyErr;
  assert.equal(err.reason, reason, err.message);
  return err;
}

function minutes(n: number): Date {
  return new Date(NOW.getTime() + n * 60_000);
}

function signatureOf(authorization: string): string {
  return /Signature=([0-9a-f]+)/.exec(authorization)![1]!;
}

test("accepts a header-signed request made by smithy and reports who signed it", async () => {
  const req = await signedBySmithy();
  const result = verifySigV4(req, secretFor, NOW);
  assert.deepEqual(result, { ok: true, accessKeyId: AKID, region: "us-east-1", service: "ec2", signedAt: NOW });
});

test("accepts a presigned request made by smithy", async () => {
  const req = await presignedBySmithy({ query: { Action: "DescribeRegions", Version: "2016-11-15" } });
  const result = verifySigV4(req, secretFor, minutes(4));
  assert.equal(result.ok, true, JSON.stringify(result));
});

test("matches the AWS get-vanilla test vector", () => {
  const req: SignableRequest = {
    method: "GET",
    path: "/",
    query: "",
    headers: {
      Host: "example.amazonaws.com",
      "X-Amz-Date": "20150830T123600Z",
      Authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    body: new Uint8Array(),
  };
  const result = verifySigV4(req, () => "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", new Date("2015-08-30T12:36:00Z"));
  assert.equal(result.ok, true, JSON.stringify(result));
});

test("rejects a signature made with another secret", async () => {
  const req = await signedBySmithy({}, "not-the-secret");
  expectFailure(verifySigV4(req, secretFor, NOW), "bad-signature");
});

test("reports an access key it does not know", async () => {
  const req = await signedBySmithy();
  const err = expectFailure(verifySigV4(req, () => undefined, NOW), "unknown-key");
  assert.equal(err.service, "ec2");
});

test("rejects a request whose body was changed after signing", async () => {
  const req = await signedBySmithy();
  req.body = enc.encode("Action=TerminateInstances&Version=2016-11-15");
  expectFailure(verifySigV4(req, secretFor, NOW), "bad-signature");
});

test("rejects a request whose query parameter was changed after signing", async () => {
  const req = await signedBySmithy({ query: { Action: "DescribeInstances" } });
  req.query = "Action=TerminateInstances";
  expectFailure(verifySigV4(req, secretFor, NOW), "bad-signature");
});

test("rejects a presigned request whose query parameter was changed", async () => {
  const req = await presignedBySmithy({ query: { Action: "DescribeRegions" } });
  req.query = req.query.replace("DescribeRegions", "DescribeImages");
  expectFailure(verifySigV4(req, secretFor, NOW), "bad-signature");
});

test("rejects a header-signed request more than 15 minutes off in either direction", async () => {
  const req = await signedBySmithy();
  expectFailure(verifySigV4(req, secretFor, minutes(16)), "expired");
  expectFailure(verifySigV4(req, secretFor, minutes(-16)), "expired");
});

test("accepts a header-signed request 14 minutes off", async () => {
  const req = await signedBySmithy();
  assert.equal(verifySigV4(req, secretFor, minutes(14)).ok, true);
  assert.equal(verifySigV4(req, secretFor, minutes(-14)).ok, true);
});

test("rejects a presigned request after X-Amz-Expires has passed", async () => {
  const req = await presignedBySmithy({}, 60);
  assert.equal(verifySigV4(req, secretFor, new Date(NOW.getTime() + 60_000)).ok, true);
  expectFailure(verifySigV4(req, secretFor, new Date(NOW.getTime() + 61_000)), "expired");
});

test("rejects a presigned request dated well in the future", async () => {
  const req = await presignedBySmithy({}, 60);
  expectFailure(verifySigV4(req, secretFor, minutes(-20)), "expired");
});

test("reports a request with no signature at all as missing", () => {
  const req: SignableRequest = { method: "POST", path: "/", query: "Action=X", headers: { host: HOST }, body: new Uint8Array() };
  const err = expectFailure(verifySigV4(req, secretFor, NOW), "missing");
  assert.equal(err.service, undefined);
});

test("reports junk Authorization headers as malformed without throwing", async () => {
  const good = await signedBySmithy();
  const auth = good.headers["authorization"]!;
  const sig = signatureOf(auth);
  const variants = [
    "",
    "   ",
    "Bearer abc",
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 ",
    "AWS4-ECDSA-P256-SHA256 Credential=x/20261129/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=" + sig,
    "AWS AKID:signature",
    auth.replace(/Credential=[^,]+/, "Credential=" + AKID),
    auth.replace(/Credential=[^,]+/, "Credential="),
    auth.replace(/Credential=[^,]+/, `Credential=${AKID}/2026-11-29/us-east-1/ec2/aws4_request`),
    auth.replace(/Credential=[^,]+/, `Credential=${AKID}/20261129//ec2/aws4_request`),
    auth.replace(/Credential=[^,]+/, `Credential=${AKID}/20261129/us-east-1/ec2/aws4_request/extra`),
    auth.replace(/, SignedHeaders=[^,]+/, ""),
    auth.replace(/SignedHeaders=[^,]+/, "SignedHeaders=content-type;x-amz-date"),
    auth.replace(/SignedHeaders=[^,]+/, "SignedHeaders=host;;x-amz-date"),
    auth.replace(/SignedHeaders=[^,]+/, "SignedHeaders=host;x amz"),
    auth.replace(/, Signature=\w+/, ""),
    auth.replace(/Signature=\w+/, "Signature=xyz"),
    auth.replace(/Signature=\w+/, "Signature=" + sig + "00"),
    auth + ", Signature=" + sig,
    auth.replace(/, /g, " "),
    auth + ", =",
    "AWS4-HMAC-SHA256 \u0000\uFFFF\uD800=,,,",
  ];
  for (const value of variants) {
    const req = { ...good, headers: { ...good.headers, authorization: value } };
    let result;
    assert.doesNotThrow(() => (result = verifySigV4(req, secretFor, NOW)), value);
    assert.equal(result!.ok, false, value);
    assert.equal((result as unknown as VerifyErr).reason, "malformed", `${value}: ${JSON.stringify(result)}`);
  }
});

test("reports bad or absent dates as malformed", async () => {
  const good = await signedBySmithy();
  const badDates = ["2026-11-29T10:20:30Z", "20261129T102030", "20261329T102030Z", "20261129T256030Z", "yesterday", ""];
  for (const value of badDates) {
    const req = { ...good, headers: { ...good.headers, "x-amz-date": value } };
    expectFailure(verifySigV4(req, secretFor, NOW), "malformed");
  }
  const { ["x-amz-date"]: _dropped, ...noDate } = good.headers;
  expectFailure(verifySigV4({ ...good, headers: noDate }, secretFor, NOW), "malformed");
});

test("falls back to the Date header when X-Amz-Date is absent", async () => {
  const good = await signedBySmithy();
  const { ["x-amz-date"]: _dropped, ...rest } = good.headers;
  const stale = { ...good, headers: { ...rest, date: "Sun, 29 Nov 2026 09:00:00 GMT" } };
  expectFailure(verifySigV4(stale, secretFor, NOW), "expired");
  const fresh = { ...good, headers: { ...rest, date: "Sun, 29 Nov 2026 10:20:30 GMT" } };
  // The date parses and matches the scope; the signature then fails because x-amz-date was signed.
  expectFailure(verifySigV4(fresh, secretFor, NOW), "bad-signature");
});

test("reports junk presigned query strings as malformed without throwing", async () => {
  const good = await presignedBySmithy();
  const variants = [
    good.query.replace(/X-Amz-Algorithm=[^&]+/, "X-Amz-Algorithm=HMAC"),
    good.query.replace(/X-Amz-Credential=[^&]+/, "X-Amz-Credential=nope"),
    good.query.replace(/X-Amz-Expires=[^&]+/, "X-Amz-Expires=0"),
    good.query.replace(/X-Amz-Expires=[^&]+/, "X-Amz-Expires=604801"),
    good.query.replace(/X-Amz-Expires=[^&]+/, "X-Amz-Expires=1e3"),
    good.query.replace(/X-Amz-Date=[^&]+/, "X-Amz-Date=now"),
    good.query.replace(/X-Amz-SignedHeaders=[^&]+/, "X-Amz-SignedHeaders=x-amz-date"),
    good.query.replace(/&X-Amz-Signature=[^&]+/, ""),
    good.query + "&X-Amz-Signature=" + "0".repeat(64),
    "X-Amz-Credential=%ZZ%&X-Amz-Signature=%",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256",
  ];
  for (const query of variants) {
    let result;
    assert.doesNotThrow(() => (result = verifySigV4({ ...good, query }, secretFor, NOW)), query);
    assert.equal((result as unknown as VerifyErr).reason, "malformed", `${query}: ${JSON.stringify(result)}`);
  }
});

test("rejects a request carrying both an Authorization header and a presigned query", async () => {
  const header = await signedBySmithy();
  const presigned = await presignedBySmithy();
  expectFailure(verifySigV4({ ...header, query: presigned.query }, secretFor, NOW), "malformed");
});

test("rejects a credential scope whose date or terminator is wrong", async () => {
  const good = await signedBySmithy();
  const auth = good.headers["authorization"]!;
  const otherDay = auth.replace("/20261129/", "/20261128/");
  expectFailure(verifySigV4({ ...good, headers: { ...good.headers, authorization: otherDay } }, secretFor, NOW), "scope");
  const otherEnd = auth.replace("/aws4_request", "/aws4_token");
  const err = expectFailure(
    verifySigV4({ ...good, headers: { ...good.headers, authorization: otherEnd } }, secretFor, NOW),
    "scope",
  );
  assert.equal(err.service, "ec2");
});

test("rejects an x-amz-content-sha256 header that does not match the body", async () => {
  const signer = smithy(SECRET, { applyChecksum: true });
  const signed = toSignable(await signer.sign(smithyRequest({}), { signingDate: NOW }));
  assert.ok(signed.headers["x-amz-content-sha256"]);
  assert.equal(verifySigV4(signed, secretFor, NOW).ok, true);
  signed.body = enc.encode("Action=RunInstances");
  expectFailure(verifySigV4(signed, secretFor, NOW), "payload-hash");
});

test("refuses UNSIGNED-PAYLOAD in header form but accepts it when presigned", async () => {
  const headerForm = toSignable(
    await smithy().sign(smithyRequest({ headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } }), { signingDate: NOW }),
  );
  expectFailure(verifySigV4(headerForm, secretFor, NOW), "payload-hash");
  const req = smithyRequest({ method: "PUT", body: "anything at all" });
  const presigned = toSignable(
    await smithy().presign(
      { ...req, headers: { host: HOST, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
      { signingDate: NOW, expiresIn: 300 },
    ),
  );
  assert.equal(verifySigV4(presigned, secretFor, NOW).ok, true);
});

const awkward: { name: string; path: string; query: Query }[] = [
  { name: "spaces", path: "/a%20b/c", query: { "key with space": "value with space" } },
  { name: "unicode", path: "/%E2%9C%93/%C3%A9t%C3%A9", query: { "clé": "日本語", emoji: "🐝" } },
  { name: "plus signs", path: "/a+b", query: { plus: "1+1=2", "k+": "+" } },
  { name: "encoded slash", path: "/bucket/a%2Fb", query: { prefix: "a/b/c", slash: "%2F literal" } },
  { name: "repeated keys", path: "/", query: { Filter: ["z", "a", "m"], a: "1", "a-b": "2" } },
  { name: "empty values", path: "/", query: { Action: "DescribeVpcs", empty: "", other: "" } },
  { name: "reserved punctuation", path: "/x!'()*~y", query: { "!'()*": "!'()*~._-", "&=": "&=?#" } },
  { name: "dot segments", path: "/a/./b/../c//d/", query: {} },
];

for (const c of awkward) {
  test(`accepts smithy-signed requests with ${c.name} in path and query`, async () => {
    const header = await signedBySmithy({ path: c.path, query: c.query });
    assert.equal(header.path, c.path);
    const h = verifySigV4(header, secretFor, NOW);
    assert.equal(h.ok, true, `${header.path}?${header.query}: ${JSON.stringify(h)}`);
    const presigned = await presignedBySmithy({ path: c.path, query: c.query });
    const p = verifySigV4(presigned, secretFor, NOW);
    assert.equal(p.ok, true, `${presigned.path}?${presigned.query}: ${JSON.stringify(p)}`);
  });
}

test("reads a bare '+' in the raw query as a space, as form decoding does", async () => {
  const req = await signedBySmithy({ query: { q: "a b" } });
  assert.equal(req.query, "q=a%20b");
  assert.equal(verifySigV4({ ...req, query: "q=a+b" }, secretFor, NOW).ok, true);
  expectFailure(verifySigV4({ ...req, query: "q=a%2Bb" }, secretFor, NOW), "bad-signature");
});

test("collapses runs of inner spaces in header values the way smithy does", async () => {
  const req = await signedBySmithy({ headers: { "x-amz-target": "  Hive.Describe    Things \t now  " } });
  assert.equal(verifySigV4(req, secretFor, NOW).ok, true);
  const collapsed = { ...req, headers: { ...req.headers, "x-amz-target": "Hive.Describe Things now" } };
  assert.equal(verifySigV4(collapsed, secretFor, NOW).ok, true);
  const changed = { ...req, headers: { ...req.headers, "x-amz-target": "Hive.DescribeThings now" } };
  expectFailure(verifySigV4(changed, secretFor, NOW), "bad-signature");
});

test("accepts header names in any case", async () => {
  const req = await signedBySmithy();
  const shouted = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toUpperCase(), v]));
  assert.equal(verifySigV4({ ...req, headers: shouted }, secretFor, NOW).ok, true);
});

test("reports a signed header that is absent from the request as a bad signature", async () => {
  const req = await signedBySmithy();
  const { ["content-type"]: _dropped, ...rest } = req.headers;
  expectFailure(verifySigV4({ ...req, headers: rest }, secretFor, NOW), "bad-signature");
});

test("signRequest produces the same signature as smithy and verifies", async () => {
  for (const c of awkward) {
    const spec = smithyRequest({ path: c.path, query: c.query });
    const base: SignableRequest = {
      method: spec.method,
      path: spec.path,
      query: wireQuery(c.query),
      headers: spec.headers,
      body: enc.encode(spec.body),
    };
    const added = signRequest(base, { accessKeyId: AKID, secretAccessKey: SECRET }, { region: "us-east-1", service: "ec2", date: NOW });
    assert.deepEqual(Object.keys(added).sort(), ["authorization", "x-amz-date"]);
    assert.equal(added["x-amz-date"], "20261129T102030Z");
    const oracle = await smithy().sign(spec, { signingDate: NOW });
    assert.equal(added["authorization"], oracle.headers["authorization"], c.name);
    const result = verifySigV4({ ...base, headers: { ...base.headers, ...added } }, secretFor, NOW);
    assert.equal(result.ok, true, `${c.name}: ${JSON.stringify(result)}`);
  }
});

test("presignQuery produces the same signature as smithy and verifies", async () => {
  for (const c of awkward) {
    const base: SignableRequest = { method: "GET", path: c.path, query: wireQuery(c.query), headers: { host: HOST }, body: new Uint8Array() };
    const query = presignQuery(base, { accessKeyId: AKID, secretAccessKey: SECRET }, {
      region: "us-east-1",
      service: "ec2",
      date: NOW,
      expiresSeconds: 900,
    });
    const oracle = await smithy().presign(
      { ...smithyRequest({ method: "GET", path: c.path, query: c.query, body: "" }), headers: { host: HOST } },
      { signingDate: NOW, expiresIn: 900 },
    );
    assert.equal(/X-Amz-Signature=([0-9a-f]+)/.exec(query)![1], oracle.query?.["X-Amz-Signature"], c.name);
    const result = verifySigV4({ ...base, query }, secretFor, NOW);
    assert.equal(result.ok, true, `${c.name}: ${JSON.stringify(result)}`);
  }
});

test("presignQuery replaces earlier signing parameters and refuses a bad expiry", () => {
  const creds = { accessKeyId: AKID, secretAccessKey: SECRET };
  const base: SignableRequest = { method: "GET", path: "/", query: "Action=DescribeRegions", headers: { host: HOST }, body: new Uint8Array() };
  const first = presignQuery(base, creds, { region: "us-east-1", service: "ec2", date: NOW, expiresSeconds: 60 });
  const again = presignQuery({ ...base, query: first }, creds, { region: "us-east-1", service: "ec2", date: minutes(1), expiresSeconds: 60 });
  assert.equal(again.match(/X-Amz-Signature=/g)!.length, 1);
  assert.equal(verifySigV4({ ...base, query: again }, secretFor, minutes(1)).ok, true);
  assert.throws(() => presignQuery(base, creds, { region: "us-east-1", service: "ec2", expiresSeconds: 0 }), RangeError);
  assert.throws(() => presignQuery(base, creds, { region: "us-east-1", service: "ec2", expiresSeconds: 604801 }), RangeError);
});

test("keeps verifying correctly across more scopes than the signing-key cache holds", () => {
  const creds = { accessKeyId: AKID, secretAccessKey: SECRET };
  const base: SignableRequest = { method: "POST", path: "/", query: "", headers: { host: HOST }, body: enc.encode("x") };
  for (let i = 0; i < 300; i++) {
    const region = `r-${i % 300}`;
    const added = signRequest(base, creds, { region, service: "ec2", date: NOW });
    const result = verifySigV4({ ...base, headers: { ...base.headers, ...added } }, secretFor, NOW);
    assert.equal(result.ok && result.region, region);
  }
  const added = signRequest(base, creds, { region: "r-0", service: "ec2", date: NOW });
  assert.equal(verifySigV4({ ...base, headers: { ...base.headers, ...added } }, (id) => (id === AKID ? "other" : undefined), NOW).ok, false);
});

test("scopeService reads the service from either form without verifying", async () => {
  const header = await signedBySmithy();
  assert.equal(scopeService(header), "ec2");
  const presigned = toSignable(
    await smithy(SECRET, { service: "sts" }).presign(
      { ...smithyRequest({ method: "GET", body: "" }), headers: { host: HOST } },
      { signingDate: NOW, expiresIn: 60 },
    ),
  );
  assert.equal(scopeService(presigned), "sts");
  assert.equal(scopeService({ headers: {}, query: "" }), undefined);
  assert.equal(scopeService({ headers: { Authorization: "garbage" }, query: "" }), undefined);
  assert.equal(scopeService({ headers: {}, query: "X-Amz-Credential=%E0%A4" }), undefined);
  assert.equal(scopeService({ headers: { authorization: "AWS4-HMAC-SHA256 Credential=a/b/c/iam/aws4_request" }, query: "" }), "iam");
});

test("names the scope's service on failures so the gateway can answer in that dialect", async () => {
  const req = await signedBySmithy({}, "wrong");
  assert.equal(expectFailure(verifySigV4(req, secretFor, NOW), "bad-signature").service, "ec2");
});
