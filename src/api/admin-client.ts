// A client for the admin endpoint, used by `hive status` and `hive image`: signs with SigV4 and trusts the appliance's CA.
import https from "node:https";
import { ADMIN_SERVICE } from "./admin.ts";
import { signRequest, type Credentials } from "./sigv4.ts";

export interface AdminTarget {
  endpoint: string;
  region: string;
  ca: string;
  credentials: Credentials;
}

/** The admin API answered with an error: its HTTP status and, when it sent JSON, its `error` code and `message`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AdminError";
  }
}

export function adminGet(target: AdminTarget, path: string, timeoutMs = 5_000): Promise<unknown> {
  return adminRequest(target, "GET", path, undefined, timeoutMs);
}

/** POSTs `body` as JSON. */
export function adminPost(target: AdminTarget, path: string, body: unknown, timeoutMs = 15_000): Promise<unknown> {
  return adminRequest(target, "POST", path, body, timeoutMs);
}

function adminRequest(target: AdminTarget, method: "GET" | "POST", path: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const url = new URL(`/hive/v1${path}`, target.endpoint);
  const payload = body === undefined ? new Uint8Array() : new Uint8Array(Buffer.from(JSON.stringify(body), "utf8"));
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers["content-type"] = "application/json";
  const signed = signRequest(
    { method, path: url.pathname, query: "", headers, body: payload },
    target.credentials,
    { region: target.region, service: ADMIN_SERVICE },
  );
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: { ...headers, ...signed, "content-length": String(payload.byteLength) }, ca: target.ca, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const err = (json ?? {}) as { error?: unknown; message?: unknown };
          return reject(
            typeof err.message === "string"
              ? new AdminError(status, String(err.error ?? status), err.message)
              : new AdminError(status, String(status), `admin endpoint answered ${status}: ${text.slice(0, 200)}`),
          );
        }
        if (json === undefined) return reject(new Error(`admin endpoint answered with non-JSON: ${text.slice(0, 200)}`));
        resolve(json);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
