// Renders the nats-server configuration file Hive runs its bus with.

export interface NatsConfigOptions {
  /** Client listener: the gateway and local daemons connect here. */
  host: string;
  port: number;
  /** Leaf-node listener: daemons on other boxes join through it. */
  leafHost: string;
  leafPort: number;
  /** HTTP monitoring (/healthz, /varz): bind it to loopback, it has no auth. */
  monitorHost: string;
  monitorPort: number;
  user: string;
  password: string;
  leafUser: string;
  leafPassword: string;
  serverName: string;
  /** JetStream in the HIVE account: where it keeps its files, and its domain (the node's name), so that a region's
   * boxes can address one another's streams across leaf connections. Off when absent. */
  jetstream?: { storeDir: string; domain: string };
  /** Members connect to their hub instead of listening for leaf nodes. Default true. */
  leafListen?: boolean;
  /** The leaf listener's certificate (signed by the region's CA): members verify it. */
  leafTls?: { certFile: string; keyFile: string };
  /** A JOIN account whose only reach is the join service: what a join token's leaf credentials open. */
  join?: { user: string; password: string };
  /** Connect to the region's hub as a leaf node, over TLS verified against `caFile` (or, while joining only,
   * `insecure`: the join answer is sealed with the token's secret instead). */
  remote?: { urls: string[]; user: string; password: string; caFile?: string; insecure?: boolean };
  /** nats-server writes its pid here (so a user, or a test, can find the child). */
  pidFile?: string;
}

/**
 * Largest message the bus accepts. A node's whole answer to a listing travels in one reply, and 10,000 instances
 * make about 15 MB of JSON; nats-server allows up to 64 MB (it warns above 8 MB, which we accept for listings).
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const PING_INTERVAL_S = 2;
const PING_MAX = 3;

/** The account every Hive client, daemon and region leaf connection lives in. */
export const HIVE_ACCOUNT = "HIVE";
/** The one subject the JOIN account may reach. */
export const JOIN_SUBJECT = "hive.cluster.join";

export function renderNatsConfig(opts: NatsConfigOptions): string {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.serverName)) {
    // nats-server refuses names with spaces; keep to a safe set so logs and /varz stay readable.
    throw new Error(`invalid nats server_name ${JSON.stringify(opts.serverName)}: use letters, digits, '.', '_' or '-'`);
  }
  for (const [what, value] of [
    ["user", opts.user],
    ["password", opts.password],
    ["leafUser", opts.leafUser],
    ["leafPassword", opts.leafPassword],
  ] as const) {
    // Never render a listener without credentials.
    if (value === "") throw new Error(`nats config: ${what} must not be empty`);
  }
  const listen = opts.leafListen !== false;
  const users = [`{ user: ${quote(opts.user)}, password: ${quote(opts.password)} }`];
  if (listen) users.push(`{ user: ${quote(opts.leafUser)}, password: ${quote(opts.leafPassword)} }`);
  const join = listen ? opts.join : undefined;
  return [
    "# Written by hive; rewritten on every start. Do not edit.",
    `server_name: ${quote(opts.serverName)}`,
    `listen: ${quote(hostPort(opts.host, opts.port, "port"))}`,
    `max_payload: ${MAX_PAYLOAD_BYTES}`,
    // A leaf link whose cable is pulled shows no error: pings find it dead within ping_interval × ping_max, so a
    // member cut off answers Unavailable in seconds instead of waiting on a dead connection.
    `ping_interval: "${PING_INTERVAL_S}s"`,
    `ping_max: ${PING_MAX}`,
    "accounts {",
    `  ${HIVE_ACCOUNT} {`,
    ...(opts.jetstream ? ["    jetstream: enabled"] : []),
    `    users: [ ${users.join(", ")} ]`,
    ...(join ? [`    exports: [ { service: ${quote(JOIN_SUBJECT)} } ]`] : []),
    "  }",
    ...(join
      ? [
          "  JOIN {",
          `    users: [ { user: ${quote(join.user)}, password: ${quote(join.password)} } ]`,
          `    imports: [ { service: { account: ${HIVE_ACCOUNT}, subject: ${quote(JOIN_SUBJECT)} } } ]`,
          "  }",
        ]
      : []),
    "}",
    ...(opts.jetstream
      ? [
          "jetstream {",
          `  store_dir: ${quote(opts.jetstream.storeDir)}`,
          `  domain: ${quote(checkName(opts.jetstream.domain, "JetStream domain"))}`,
          "  max_memory_store: 67108864",
          "}",
        ]
      : []),
    "leafnodes {",
    ...(listen ? [`  listen: ${quote(hostPort(opts.leafHost, opts.leafPort, "leafPort"))}`] : []),
    ...(listen && opts.leafTls
      ? ["  tls {", `    cert_file: ${quote(opts.leafTls.certFile)}`, `    key_file: ${quote(opts.leafTls.keyFile)}`, "  }"]
      : []),
    ...(opts.remote ? renderRemote(opts.remote) : []),
    "}",
    `http: ${quote(hostPort(opts.monitorHost, opts.monitorPort, "monitorPort"))}`,
    ...(opts.pidFile ? [`pid_file: ${quote(opts.pidFile)}`] : []),
    "",
  ].join("\n");
}

function renderRemote(remote: NonNullable<NatsConfigOptions["remote"]>): string[] {
  if (remote.urls.length === 0) throw new Error("nats config: a leaf remote needs at least one hub address");
  if (!remote.caFile && !remote.insecure) throw new Error("nats config: a leaf remote needs the region's CA (or, to join, insecure)");
  const auth = `${encodeURIComponent(remote.user)}:${encodeURIComponent(remote.password)}`;
  const urls = remote.urls.map((hp) => quote(`tls://${auth}@${hp}`));
  return [
    "  remotes: [ {",
    `    urls: [ ${urls.join(", ")} ]`,
    `    account: ${HIVE_ACCOUNT}`,
    remote.caFile ? `    tls { ca_file: ${quote(remote.caFile)} }` : "    tls { insecure: true }",
    "  } ]",
  ];
}

function checkName(value: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`invalid ${what} ${JSON.stringify(value)}: use letters, digits, '_' or '-'`);
  return value;
}

/** host:port as nats-server parses it; IPv6 literals need brackets. */
export function hostPort(host: string, port: number, what = "port"): string {
  // nats-server treats port 0 as "the default port", not "any free port": insist on a real one.
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`nats config: ${what} must be an integer in 1..65535, got ${port}`);
  }
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A double-quoted config string: the quotes stop `$` variables, `#` comments and unit suffixes from applying. */
function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error("nats config: values must not contain control characters");
  }
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
