// What crosses the JOIN link: the joiner's request, and the region's identity the hub seals for it.
import type { MemberRecord } from "../store/index.ts";

export interface JoinRequest {
  tokenId: string;
  nonce: string;
  /** HMAC of nonce and node under the token's secret (token.ts: proofOf). */
  proof: string;
  /** The joining box's node name: unique in the region. */
  node: string;
  /** The names its gateway is reached at: the hub issues its certificate for them. */
  names: { dns: string[]; ips: string[] };
}

export interface JoinReply {
  /** Welcome, sealed with the token's secret. */
  sealed: string;
}

/** The region's identity, as a member keeps it. */
export interface Welcome {
  region: string;
  accountId: string;
  node: string;
  az: string;
  azId: string;
  hub: { node: string; urls: string[] };
  admin: { accessKeyId: string; secretAccessKey: string; userName: string };
  leaf: { user: string; password: string };
  caCert: string;
  serverCert: string;
  serverKey: string;
  members: MemberRecord[];
  /** The region's key for SecureString parameters (base64): every box encrypts and decrypts with the hub's. */
  parameterKey?: string;
}
