// The hub's side of the region: join tokens (`hive cluster invite`), the join service, and members leaving.
import { readFileSync } from "node:fs";
import { Bus, subjects, type Envelope } from "../bus/index.ts";
import { azIdFor, certFingerprint, dataPaths, issueServerCert, type NodeConfig, type Secrets } from "../config/index.ts";
import { JOIN_SUBJECT } from "../embedded-nats/index.ts";
import { conflict, invalidParameter, notFound, notPermitted } from "../errors/index.ts";
import type { MemberRecord, Store } from "../store/index.ts";
import { encodeToken, newSecret, newTokenId, proofMatches, seal } from "./token.ts";
import type { JoinReply, JoinRequest, Welcome } from "./welcome.ts";

export interface HubDeps {
  dataDir: string;
  bus: Bus;
  store: Store;
  config: NodeConfig;
  secrets: Secrets;
  /** The hub's leaf-node addresses (host:port) members are told to reach. */
  leafUrls: string[];
  log: (line: string) => void;
}

export interface InviteRequest {
  /** How long the token is good for; default one hour, at most a week. */
  ttlSeconds?: number;
}

export interface Invite {
  token: string;
  expiresAt: string;
  hub: string[];
}

interface StoredInvite {
  id: string;
  secret: string;
  expires: number;
  usedBy?: string;
}

const INVITES = "cluster.invites";
const DEFAULT_TTL_S = 3600;
const MAX_TTL_S = 7 * 86400;
const ZONE_LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** The hub's own row, so that every box lists the region's zones the same way. */
export function recordHub(store: Store, config: NodeConfig): void {
  if (store.members.get(config.node)?.role === "hub") return;
  store.members.put({ node: config.node, az: config.az, azId: config.azId, role: "hub", joinedAt: config.createdAt });
}

export function serveHub(deps: HubDeps): { close(): Promise<void> } {
  const { bus, config } = deps;
  const served = [
    bus.serve(subjects.clusterInvite(config.node), (env) => invite(deps, env as Envelope<InviteRequest>), { node: config.node, log: deps.log }),
    bus.serve(JOIN_SUBJECT, (env) => join(deps, env as Envelope<JoinRequest>), { node: config.node, log: deps.log }),
    bus.serve(subjects.clusterRemove, (env) => remove(deps, env as Envelope<{ node: string }>), { node: config.node, log: deps.log }),
    // Members that joined before the region had a parameter key ask for it once; only the region's own boxes reach this.
    bus.serve(subjects.clusterParameterKey, () => ({ parameterKey: deps.secrets.parameterKey }), { node: config.node, log: deps.log }),
  ];
  return { close: async () => void (await Promise.all(served.map((s) => s.close()))) };
}

async function invite(deps: HubDeps, env: Envelope<InviteRequest>): Promise<Invite> {
  const ttl = env.input?.ttlSeconds ?? DEFAULT_TTL_S;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S) throw invalidParameter("ttl", `a token lives from 1 second to ${MAX_TTL_S} seconds (a week), not ${ttl}`);
  if (!deps.secrets.join) throw notPermitted("this hub has no JOIN account credentials; restart it once to create them");
  const now = Date.now();
  const stored: StoredInvite = { id: newTokenId(), secret: newSecret(), expires: now + ttl * 1000 };
  saveInvites(deps.store, [...loadInvites(deps.store).filter((i) => i.expires > now && !i.usedBy), stored]);
  const ca = await certFingerprint(readFileSync(dataPaths(deps.dataDir).caCert, "utf8"));
  const token = encodeToken({ hub: deps.leafUrls, id: stored.id, secret: stored.secret, ca, ...deps.secrets.join, expires: stored.expires });
  deps.log(`cluster: invite ${stored.id} made, good until ${new Date(stored.expires).toISOString()}`);
  return { token, expiresAt: new Date(stored.expires).toISOString(), hub: deps.leafUrls };
}

async function join(deps: HubDeps, env: Envelope<JoinRequest>): Promise<JoinReply> {
  const req = env.input;
  if (!req || typeof req.tokenId !== "string" || typeof req.node !== "string" || typeof req.nonce !== "string" || typeof req.proof !== "string") {
    throw invalidParameter("join", "a join request needs tokenId, node, nonce and proof");
  }
  const invites = loadInvites(deps.store);
  const found = invites.find((i) => i.id === req.tokenId);
  // Unknown, used and expired tokens read the same to a guesser; the hub's log says which.
  const refuse = (why: string) => {
    deps.log(`cluster: join of ${req.node} refused: ${why}`);
    return notPermitted(`the join token was refused (${why}); ask the hub for a new one with \`hive cluster invite\``);
  };
  if (!found) throw refuse("unknown token");
  if (!proofMatches(found.secret, req.nonce, req.node, req.proof)) throw refuse("the proof does not match the token");
  if (found.usedBy) throw refuse(`already used by ${found.usedBy}`);
  if (found.expires <= Date.now()) throw refuse("expired");
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(req.node)) throw invalidParameter("node", `invalid node name '${req.node}'`);
  const members = deps.store.members.list();
  if (members.some((m) => m.node === req.node)) {
    throw conflict("member", `a member named ${req.node} is already in the region; start the joining box with another --node-name`);
  }
  const { region } = deps.config;
  const letter = [...ZONE_LETTERS].find((l) => !members.some((m) => m.az === `${region}${l}`));
  if (!letter) throw notPermitted(`the region ${region} has a member in every zone ${region}a-z`);
  const az = `${region}${letter}`;
  const p = dataPaths(deps.dataDir);
  const caCert = readFileSync(p.caCert, "utf8");
  const names = { dns: (req.names?.dns ?? []).filter((n) => typeof n === "string"), ips: (req.names?.ips ?? []).filter((n) => typeof n === "string") };
  const server = await issueServerCert(caCert, readFileSync(p.caKey, "utf8"), req.node, names);
  const member: MemberRecord = { node: req.node, az, azId: azIdFor(region, az), role: "member", joinedAt: new Date().toISOString() };
  // Used before the answer leaves: a reply lost on the way costs a new token, never a second member.
  deps.store.transaction(() => {
    saveInvites(deps.store, invites.map((i) => (i.id === found.id ? { ...i, usedBy: req.node } : i)));
    deps.store.members.put(member);
  });
  deps.log(`cluster: ${req.node} joined as ${az}`);
  const welcome: Welcome = {
    region,
    accountId: deps.config.accountId,
    node: req.node,
    az,
    azId: member.azId,
    hub: { node: deps.config.node, urls: deps.leafUrls },
    admin: deps.secrets.admin,
    leaf: deps.secrets.leaf,
    caCert,
    serverCert: server.cert,
    serverKey: server.key,
    members: deps.store.members.list(),
    ...(deps.secrets.parameterKey ? { parameterKey: deps.secrets.parameterKey } : {}),
  };
  return { sealed: seal(found.secret, welcome) };
}

function remove(deps: HubDeps, env: Envelope<{ node: string }>): { removed: string } {
  const node = env.input?.node;
  if (typeof node !== "string" || node === "") throw invalidParameter("node", "name the member to remove");
  if (node === deps.config.node) throw notPermitted(`${node} is the region's hub; it cannot leave its own region`);
  if (!deps.store.members.remove(node)) throw notFound("member", `no member named ${node} in this region`);
  deps.log(`cluster: ${node} removed from the region`);
  return { removed: node };
}

function loadInvites(store: Store): StoredInvite[] {
  try {
    return JSON.parse(store.getSetting(INVITES) ?? "[]") as StoredInvite[];
  } catch {
    return [];
  }
}

function saveInvites(store: Store, invites: StoredInvite[]): void {
  store.setSetting(INVITES, JSON.stringify(invites));
}
