// A client for the admin endpoint, used by `hive status`: signs with SigV4 and trusts the appliance's CA.
import https from "node:https";
import { ADMIN_SERVICE } from "./admin.ts";
import { signRequest, type Credentials } from "./sigv4.ts";

export interface AdminTarget {
  endpoint: string;
  region: string;
  ca: string;
  credentials: Credentials;
}

export function adminGet(target: AdminTarget, path: string, timeoutMs = 5_000): Promise<unknown> {
  const url = new URL(`/hive/v1${path}`, target.endpoint);
  const headers = { host: url.host };
  const signed = signRequest(
    { method: "GET", path: url.pathname, query: "", headers, body: new Uint8Array() },
    target.credentials,
    { region: target.region, service: ADMIN_SERVICE },
  );
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: "GET", headers: { ...headers, ...signed }, ca: target.ca, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`admin endpoint answered ${res.statusCode}: ${text}`));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`admin endpoint answered with non-JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
