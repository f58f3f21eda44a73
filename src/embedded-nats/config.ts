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
  /** Reserved for JetStream's store_dir; JetStream is off for now, so it is not rendered. */
  storeDir?: string;
  serverName: string;
  /** nats-server writes its pid here (so a user, or a test, can find the child). */
  pidFile?: string;
}

/**
 * Largest message the bus accepts. A node's whole answer to a listing travels in one reply, and 10,000 instances
 * make about 15 MB of JSON; nats-server allows up to 64 MB (it warns above 8 MB, which we accept for listings).
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

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
  return [
    "# Written by hive; rewritten on every start. Do not edit.",
    `server_name: ${quote(opts.serverName)}`,
    `listen: ${quote(hostPort(opts.host, opts.port, "port"))}`,
    `max_payload: ${MAX_PAYLOAD_BYTES}`,
    "authorization {",
    `  user: ${quote(opts.user)}`,
    `  password: ${quote(opts.password)}`,
    "}",
    "leafnodes {",
    `  listen: ${quote(hostPort(opts.leafHost, opts.leafPort, "leafPort"))}`,
    "  authorization {",
    `    user: ${quote(opts.leafUser)}`,
    `    password: ${quote(opts.leafPassword)}`,
    "  }",
    "}",
    `http: ${quote(hostPort(opts.monitorHost, opts.monitorPort, "monitorPort"))}`,
    ...(opts.pidFile ? [`pid_file: ${quote(opts.pidFile)}`] : []),
    "",
  ].join("\n");
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
