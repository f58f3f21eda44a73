// The instance metadata service (IMDSv1 and IMDSv2). Each guest reaches it on its own unix socket, so the socket
// a request arrives on — not anything the guest sends — says which instance is asking.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { identityDocument, lookupMetadata, metadataTree, type MetadataFacts } from "./tree.ts";

export interface ImdsOptions {
  httpTokens: "optional" | "required";
  httpEndpoint: "enabled" | "disabled";
}

export interface ImdsSource {
  /** What the instance's metadata says now (read per request, so changes show at once); undefined if gone. */
  facts(instanceId: string): MetadataFacts | undefined;
  options(instanceId: string): ImdsOptions;
}

const MAX_TTL = 21_600;
const TOKEN_HEADER = "x-aws-ec2-metadata-token";
const TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";

interface Token {
  instanceId: string;
  expires: number;
}

export class MetadataService {
  private readonly servers = new Map<string, http.Server>();
  private readonly tokens = new Map<string, Token>();
  private readonly tcpServers = new Map<string, http.Server>();
  /** Requests answered, for the benchmarks. */
  requests = 0;

  constructor(private readonly source: ImdsSource) {}

  /** Starts answering `instanceId`'s guest on `socketPath` (replacing a stale socket file). */
  async attach(instanceId: string, socketPath: string): Promise<void> {
    if (this.servers.has(instanceId)) return;
    fs.rmSync(socketPath, { force: true });
    const server = http.createServer((req, res) => this.handle(instanceId, req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    fs.chmodSync(socketPath, 0o600);
    this.servers.set(instanceId, server);
  }

  /**
   * Bridge networking: one listener per VPC on the host's end of that VPC's transit link (where the VPC router sends
   * 169.254.169.254:80), whose guest source address (guarded against spoofing on its port) names the instance.
   * `key` names the listener (the VPC); listening again under a key already listening is a no-op.
   */
  async listenTcp(key: string, host: string, port: number, instanceForAddress: (ip: string) => string | undefined): Promise<void> {
    if (this.tcpServers.has(key)) return;
    const server = http.createServer((req, res) => {
      const ip = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
      const id = instanceForAddress(ip);
      if (!id) {
        req.resume();
        res.writeHead(403, { "content-type": "text/plain" });
        res.end("Forbidden");
        return;
      }
      this.handle(id, req, res);
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.tcpServers.set(key, server);
  }

  /** Stops the listener under `key` (a VPC this box no longer has guests in); a no-op when there is none. */
  async closeTcp(key: string): Promise<void> {
    const server = this.tcpServers.get(key);
    if (!server) return;
    this.tcpServers.delete(key);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The keys of the listeners open now. */
  tcpKeys(): string[] {
    return [...this.tcpServers.keys()];
  }

  async detach(instanceId: string): Promise<void> {
    for (const [t, tok] of this.tokens) if (tok.instanceId === instanceId) this.tokens.delete(t);
    const server = this.servers.get(instanceId);
    if (!server) return;
    this.servers.delete(instanceId);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.detach(id)));
    await Promise.all([...this.tcpServers.keys()].map((key) => this.closeTcp(key)));
  }


  private handle(instanceId: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(body), server: "EC2ws", ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    // Bodies are never needed; drain them so keep-alive works.
    req.resume();
    const facts = this.source.facts(instanceId);
    if (!facts) return send(404, "Not Found");
    const options = this.source.options(instanceId);
    if (options.httpEndpoint === "disabled") return send(403, "Forbidden");
    const url = (req.url ?? "/").split("?")[0]!;

    if (url === "/latest/api/token") {
      if (req.method !== "PUT") return send(405, "Method Not Allowed", { allow: "PUT" });
      // A token request relayed by a proxy in the guest must not succeed (EC2's rule).
      if (req.headers["x-forwarded-for"] !== undefined) return send(403, "Forbidden");
      const ttl = Number(req.headers[TTL_HEADER]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) return send(400, "Bad Request");
      const token = randomBytes(32).toString("base64url");
      this.tokens.set(token, { instanceId, expires: Date.now() + ttl * 1000 });
      return send(200, token, { [TTL_HEADER]: String(ttl) });
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "Method Not Allowed", { allow: "GET, HEAD, PUT" });

    const given = req.headers[TOKEN_HEADER];
    if (typeof given === "string") {
      const tok = this.tokens.get(given);
      if (!tok || tok.instanceId !== instanceId || tok.expires < Date.now()) {
        if (tok && tok.expires < Date.now()) this.tokens.delete(given);
        return send(401, "Unauthorized");
      }
    } else if (options.httpTokens === "required") {
      return send(401, "Unauthorized");
    }

    const answer = this.answer(facts, url);
    if (answer === undefined) return send(404, "Not Found");
    return send(200, answer.body, answer.type ? { "content-type": answer.type } : {});
  }

  private answer(f: MetadataFacts, url: string): { body: string; type?: string } | undefined {
    // Dated versions (/2021-03-23/...) answer like /latest/.
    const m = /^\/(latest|\d{4}-\d{2}-\d{2})(\/.*)?$/.exec(url);
    if (url === "/" || url === "") return { body: "latest" };
    if (!m) return undefined;
    const rest = m[2] ?? "/";
    if (rest === "/" || rest === "") return { body: ["dynamic", "meta-data", ...(f.userData ? ["user-data"] : [])].join("\n") };
    if (rest === "/user-data" || rest === "/user-data/") {
      return f.userData ? { body: Buffer.from(f.userData, "base64").toString("latin1"), type: "application/octet-stream" } : undefined;
    }
    if (rest === "/dynamic" || rest === "/dynamic/") return { body: "instance-identity/" };
    if (rest === "/dynamic/instance-identity" || rest === "/dynamic/instance-identity/") return { body: "document" };
    if (rest === "/dynamic/instance-identity/document") return { body: identityDocument(f), type: "application/json" };
    if (rest === "/meta-data" || rest.startsWith("/meta-data/")) return wrap(lookupMetadata(metadataTree(f), rest.slice("/meta-data".length)));
    return undefined;
  }
}

const wrap = (body: string | undefined) => (body === undefined ? undefined : { body });
