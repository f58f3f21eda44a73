// `hive up --join <token>`: a box takes a region's identity. A short-lived nats-server connects to the hub's JOIN
// account as a leaf (unverified TLS: the box does not have the CA yet), asks the join service, and opens the sealed
// answer with the token's secret; the CA it carries must match the token's fingerprint. Then the box's files say
// who it is now, and its copy of region-wide state is emptied to be filled from the region's.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { Bus, connectBus } from "../bus/index.ts";
import { certFingerprint, dataPaths, loadNodeConfig, loadSecrets, saveIdentity, serverNames, writeFileAtomic } from "../config/index.ts";
import { JOIN_SUBJECT, startNats } from "../embedded-nats/index.ts";
import { HiveError } from "../errors/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { BadToken, decodeToken, proofOf, unseal } from "./token.ts";
import type { JoinReply, JoinRequest, Welcome } from "./welcome.ts";

export interface JoinOptions {
  /** Reach the hub at these host:port addresses instead of the ones in the token (NAT, a port forward, a tunnel). */
  hub?: string[];
  /** Join even though this box has instances of its own. */
  force?: boolean;
  /** Ports of the short-lived nats-server (loopback only). */
  natsPort: number;
  monitorPort: number;
  /** How long to keep trying to reach the hub; default 60 s. */
  timeoutMs?: number;
  log: (line: string) => void;
}

/** Joins the initialised data directory at `dataDir` (whose lock the caller holds) to the token's region. */
export async function joinRegion(dataDir: string, tokenText: string, opts: JoinOptions): Promise<Welcome> {
  const store = await openStore(dataPaths(dataDir).db);
  try {
    return await joinWith(store, dataDir, tokenText, opts);
  } finally {
    store.close();
  }
}

async function joinWith(store: Store, dataDir: string, tokenText: string, opts: JoinOptions): Promise<Welcome> {
  const token = decodeToken(tokenText);
  if (token.expires <= Date.now()) throw new BadToken(`the join token expired at ${new Date(token.expires).toISOString()}; ask the hub for a new one`);
  const config = loadNodeConfig(dataDir);
  if (config.cluster) throw new Error(`this box is already a member of ${config.region} (hub ${config.cluster.hub}); start it with plain \`hive up\``);
  const own = store.instances.list().filter((i) => i.state !== "terminated").length;
  if (own > 0 && !opts.force) {
    throw new Error(`this box has ${own} instance(s) of its own; joining another region replaces its account and region-wide state. Pass --force to join anyway`);
  }
  const hubUrls = opts.hub?.length ? opts.hub : token.hub;
  const localPassword = randomBytes(18).toString("base64url");
  opts.log(`cluster: joining through ${hubUrls.join(", ")}`);
  const nats = await startNats({
    dataDir,
    serverName: `hive-${config.node}-join`,
    host: "127.0.0.1",
    port: opts.natsPort,
    leafHost: "127.0.0.1",
    leafPort: opts.natsPort,
    leafListen: false,
    monitorHost: "127.0.0.1",
    monitorPort: opts.monitorPort,
    user: "join",
    password: localPassword,
    leafUser: "unused",
    leafPassword: "unused",
    remote: { urls: hubUrls, user: token.user, password: token.password, insecure: true },
    log: (m) => opts.log(`[nats] ${m}`),
  });
  let bus: Bus | undefined;
  try {
    bus = await connectBus({ servers: nats.clientUrl, user: "join", pass: localPassword, name: "hive-join" });
    const welcome = await askHub(bus, token, config.node, opts);
    if ((await certFingerprint(welcome.caCert)) !== token.ca) {
      throw new BadToken("the CA the hub sent is not the one the token names: refusing to join");
    }
    adopt(dataDir, welcome, hubUrls, store);
    return welcome;
  } finally {
    await bus?.close();
    await nats.stop();
  }
}

async function askHub(bus: Bus, token: ReturnType<typeof decodeToken>, node: string, opts: JoinOptions): Promise<Welcome> {
  const nonce = randomBytes(16).toString("base64url");
  const names = serverNames();
  const request: JoinRequest = { tokenId: token.id, nonce, proof: proofOf(token.secret, nonce, node), node, names };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const reply = await bus.request<JoinReply>(JOIN_SUBJECT, { requestId: `join-${nonce.slice(0, 8)}`, input: request }, 15_000);
      return unseal<Welcome>(token.secret, reply.sealed);
    } catch (err) {
      // Until the leaf connection is up there is no responder; anything the hub itself answered is final.
      const retry = err instanceof HiveError && err.kind === "Unavailable" && Date.now() < deadline;
      if (!retry) {
        if (err instanceof HiveError && err.kind === "Unavailable") throw new Error(`could not reach the hub at ${(opts.hub?.length ? opts.hub : token.hub).join(", ")} within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s`);
        throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function adopt(dataDir: string, w: Welcome, hubUrls: string[], store: Store): void {
  const p = dataPaths(dataDir);
  const before = loadNodeConfig(dataDir);
  const secrets = loadSecrets(dataDir);
  writeFileAtomic(p.caCert, w.caCert, 0o644);
  writeFileAtomic(p.serverCert, w.serverCert, 0o644);
  writeFileAtomic(p.serverKey, w.serverKey, 0o600);
  // Only the hub signs certificates: a member keeps no CA key, and no leaf listener of its own.
  rmSync(p.caKey, { force: true });
  rmSync(p.leafCert, { force: true });
  rmSync(p.leafKey, { force: true });
  // The old region's bucket goes with the old region.
  rmSync(p.jetstream, { recursive: true, force: true });
  store.transaction(() => {
    store.region.clear();
    for (const m of w.members) store.members.put(m);
  });
  saveIdentity(
    dataDir,
    { ...before, region: w.region, az: w.az, azId: w.azId, accountId: w.accountId, cluster: { hub: w.hub.node, hubUrls, joinedAt: new Date().toISOString() } },
    { admin: w.admin, nats: secrets.nats, leaf: w.leaf, ...(w.parameterKey ? { parameterKey: w.parameterKey } : {}) },
  );
}
