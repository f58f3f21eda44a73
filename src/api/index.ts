// The AWS gateway: HTTPS, SigV4, the model-driven codec, and NATS to the daemons.
import { createGateway, type GatewayDeps } from "./gateway.ts";
import { serveHttps, type HttpsServer } from "./server.ts";

export { Principals, type AccessKey } from "./identity.ts";
export { AdminError, adminGet, adminPost, type AdminTarget } from "./admin-client.ts";
export { signRequest, verifySigV4, type Credentials } from "./sigv4.ts";
export { createGateway, type GatewayDeps } from "./gateway.ts";
export type { StatusProvider } from "./admin.ts";

export interface GatewayOptions extends GatewayDeps {
  host: string;
  port: number;
  cert: string;
  key: string;
}

export async function startGateway(opts: GatewayOptions): Promise<HttpsServer> {
  const app = createGateway(opts);
  return serveHttps({ host: opts.host, port: opts.port, cert: opts.cert, key: opts.key, fetch: app.fetch });
}
