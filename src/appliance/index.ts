// Composes one appliance: nats-server, the store, this node's daemon and the HTTPS gateway, started and stopped in order.
import fs from "node:fs";
import path from "node:path";
import { Principals, startGateway } from "../api/index.ts";
import { connectBus, watchNodes } from "../bus/index.ts";
import { clearRunState, dataPaths, ensureParameterKey, fileModesWarning, keepsFileModes, loadNodeConfig, loadSecrets, writeRunState } from "../config/index.ts";
import { memberParameterKey, recordHub, serveHub, startRegionSync } from "../cluster/index.ts";
import { prepareHub } from "./region.ts";
import { startDaemon } from "../daemon/index.ts";
import { startNats } from "../embedded-nats/index.ts";
import { prepareRuntimeDir, releaseRuntimeDir, runtimeName } from "../runtime/index.ts";
import { openStore } from "../store/index.ts";
import { formatCidr, parseCidr } from "../net/index.ts";

export { DataDirInUse, lockDataDir, type DataDirLock } from "../store/index.ts";
import { hostFacts } from "../vm/index.ts";

export interface ApplianceOptions {
  dataDir: string;
  gatewayHost: string;
  gatewayPort: number;
  natsHost: string;
  natsPort: number;
  leafHost: string;
  leafPort: number;
  monitorPort: number;
  cpuOvercommit?: number;
  memOvercommit?: number;
  /** "vpc" (default as root; "bridge" is its old name): VPCs enforced on the host; "user": QEMU user mode, rootless. */
  network?: "vpc" | "bridge" | "user";
  /** A block of the host's network Hive hands out as Elastic IPs; without it AllocateAddress answers AddressLimitExceeded. */
  publicCidr?: string;
  /** The hub's leaf-node addresses members are told to reach (host or host:port); default: what --leaf-host binds. */
  leafAdvertise?: string[];
  /** Log one line per AWS API request: its id, service.action, status, error code and time. */
  logRequests?: boolean;
  /** After a host failure (a power cut), start again the instances it took down; default true. */
  restartInstances?: boolean;
  log: (line: string) => void;
}

export interface Appliance {
  endpoint: string;
  node: string;
  region: string;
  readyMs: number;
  stop(): Promise<void>;
}

const urlHost = (host: string): string => (host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host);

export async function startAppliance(opts: ApplianceOptions): Promise<Appliance> {
  const t0 = performance.now();
  const paths = dataPaths(opts.dataDir);
  const config = loadNodeConfig(opts.dataDir);
  // A hub (or a box on its own, which may become one) listens for members over TLS and keeps JOIN credentials.
  const hub = config.cluster ? undefined : await prepareHub(opts.dataDir, { leafHost: opts.leafHost, leafPort: opts.leafPort, advertise: opts.leafAdvertise });
  // The region's SecureString key: a box making its own region's keys has one from now on (members get the hub's).
  const ownParameterKey = ensureParameterKey(opts.dataDir);
  const secrets = loadSecrets(opts.dataDir);
  const cleanups: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        opts.log(`hive: while stopping: ${String(err)}`);
      }
    }
    cleanups.length = 0;
  };

  try {
    fs.mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
    // Sockets live there, not in the data directory (any path length, any filesystem); guests' sockets are kept.
    prepareRuntimeDir(opts.dataDir);
    // Last of all at a clean stop: what no guest or storage daemon still uses goes from /run.
    cleanups.push(() => releaseRuntimeDir(opts.dataDir));
    if (!keepsFileModes(opts.dataDir)) opts.log(fileModesWarning(opts.dataDir));
    const store = await openStore(paths.db);
    cleanups.push(() => store.close());

    const nats = await startNats({
      dataDir: opts.dataDir,
      serverName: `hive-${config.node}`,
      host: opts.natsHost,
      port: opts.natsPort,
      leafHost: opts.leafHost,
      leafPort: opts.leafPort,
      monitorHost: "127.0.0.1",
      monitorPort: opts.monitorPort,
      user: secrets.nats.user,
      password: secrets.nats.password,
      leafUser: secrets.leaf.user,
      leafPassword: secrets.leaf.password,
      jetstream: { storeDir: paths.jetstream, domain: config.node },
      ...(config.cluster
        ? {
            leafListen: false,
            remote: { urls: config.cluster.hubUrls, user: secrets.leaf.user, password: secrets.leaf.password, caFile: paths.caCert },
          }
        : hub?.tls
          ? { leafTls: { certFile: paths.leafCert, keyFile: paths.leafKey }, ...(secrets.join ? { join: secrets.join } : {}) }
          : {}),
      pidFile: path.join(opts.dataDir, "nats", "nats-server.pid"),
      log: (m) => opts.log(`[nats] ${m}`),
    });
    cleanups.push(() => nats.stop());

    const connect = (name: string) => connectBus({ servers: nats.clientUrl, user: secrets.nats.user, pass: secrets.nats.password, name });
    const daemonBus = await connect(`hive-daemon ${config.node}`);
    cleanups.push(() => daemonBus.close());
    const gatewayBus = await connect(`hive-gateway ${config.node}`);
    cleanups.push(() => gatewayBus.close());

    if (!config.cluster) recordHub(store, config);
    // Region-wide rows: what this box writes goes to the region's bucket, what others wrote comes here.
    let regionChanged: (tables: Set<string>) => void = () => {};
    const region = await startRegionSync(daemonBus, store, {
      node: config.node,
      hubDomain: config.cluster?.hub ?? config.node,
      log: opts.log,
      onApplied: (tables) => regionChanged(tables),
    });
    cleanups.push(() => region.stop());

    const parameterKey = config.cluster ? await memberParameterKey(daemonBus, opts.dataDir, opts.log) : ownParameterKey;
    const endpoint = `https://${opts.gatewayHost === "127.0.0.1" || opts.gatewayHost === "::1" ? "localhost" : urlHost(opts.gatewayHost)}:${opts.gatewayPort}`;
    const host = hostFacts();
    opts.log(`hive: ${host.kvm ? "KVM is available: guests run with -accel kvm" : `guests run under TCG software emulation (slow), not KVM: ${host.kvmWhyNot ?? "no reason known"}`}`);
    const daemon = await startDaemon(
      daemonBus,
      {
        node: config.node,
        region: config.region,
        az: config.az,
        azId: config.azId,
        endpoint,
        accountId: config.accountId,
        host,
        overcommit: { cpu: opts.cpuOvercommit ?? 1, mem: opts.memOvercommit ?? 1 },
        dataDir: opts.dataDir,
        writer: !config.cluster,
        network:
          (opts.network ?? (process.getuid?.() === 0 ? "vpc" : "user")) === "user" ? { mode: "user" } : { mode: "vpc" },
        ...(opts.publicCidr ? { publicCidr: formatCidr(parseCidr(opts.publicCidr)) } : {}),
      },
      store,
      { log: opts.log, parameterKey, restartInstances: opts.restartInstances },
    );
    cleanups.push(() => daemon.stop());
    regionChanged = (tables) => daemon.regionChanged(tables);
    // Rows applied while the daemon was starting found no one to tell.
    daemon.regionChanged(new Set(["vpcs"]));
    await daemon.ready;
    if (hub && !hub.tls) opts.log("hive: this box has no CA key (it left a region), so it cannot admit members; `hive init --force` gives it an identity of its own");
    if (hub?.tls) {
      const hubServices = serveHub({ dataDir: opts.dataDir, bus: daemonBus, store, config, secrets, leafUrls: hub.leafUrls, log: opts.log });
      cleanups.push(() => hubServices.close());
    }

    const nodes = watchNodes(gatewayBus, { pingWaitMs: 200 });
    cleanups.push(() => nodes.close());

    const startedAt = Date.now();
    const gateway = await startGateway({
      host: opts.gatewayHost,
      port: opts.gatewayPort,
      cert: fs.readFileSync(paths.serverCert, "utf8"),
      key: fs.readFileSync(paths.serverKey, "utf8"),
      bus: gatewayBus,
      principals: new Principals(config.accountId, [secrets.admin]),
      node: config.node,
      nodes: {
        // The first ping round settles in the background; fan-outs made before then wait for it.
        live: async () => {
          await nodes.ready;
          return nodes.live();
        },
        deadlineMs: () => nodes.deadlineMs(),
        members: () => store.members.list().map((m) => m.node),
      },
      log: opts.log,
      logRequests: opts.logRequests,
      status: async () => ({
        node: config.node,
        region: config.region,
        az: config.az,
        endpoint,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        runtime: runtimeName(),
        pid: process.pid,
        nats: { connected: gatewayBus.connected, url: nats.clientUrl, pid: nats.pid, restarts: nats.restartCount, running: nats.running },
        daemon: daemon.status(),
        cluster: {
          role: config.cluster ? "member" : store.members.list().length > 1 ? "hub" : "standalone",
          hub: config.cluster?.hub ?? config.node,
          ...(hub ? { leafUrls: hub.leafUrls } : { hubUrls: config.cluster?.hubUrls }),
          region: region.status(),
          members: clusterMembers(store.members.list(), nodes.live(), nodes.roundTrips()),
        },
        nodes: nodes.live(),
        fanoutDeadlineMs: nodes.deadlineMs(),
      }),
    });
    cleanups.push(() => gateway.close());

    const realEndpoint = endpoint.replace(/:\d+$/, `:${gateway.port}`);
    writeRunState(opts.dataDir, { pid: process.pid, endpoint: realEndpoint, natsUrl: nats.clientUrl, startedAt: new Date(startedAt).toISOString() });
    cleanups.push(() => clearRunState(opts.dataDir));

    return { endpoint: realEndpoint, node: config.node, region: config.region, readyMs: Math.round(performance.now() - t0), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Each member of the region with what this box knows of it: heard from lately, its round trip, its last heartbeat. */
function clusterMembers(
  members: Array<{ node: string; az: string; role: string; joinedAt: string }>,
  live: Array<{ node: string; at?: string }>,
  rtt: Record<string, number>,
): Array<Record<string, unknown>> {
  const heard = new Set(live.map((h) => h.node));
  return members.map((m) => ({ ...m, reachable: heard.has(m.node), rttMs: rtt[m.node] }));
}
