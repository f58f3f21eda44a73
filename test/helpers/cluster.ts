// Three (or n) appliances joined into one region, each in its own network namespace: the hub in namespace 0, member i
// in namespace i reaching the hub's leaf port through a link emulator on its own veth (delay, caps, cuts on command),
// all links served by one child process (test/helpers/link-host.ts).
import { runHive, startHive, type HiveInstance, freePort } from "./hive.ts";
import { createClusterNet, type ClusterNet } from "./cluster-netns.ts";
import { startLinkHost, type LinkHost, type RemoteLink } from "./link-host.ts";

export interface TestCluster {
  net: ClusterNet;
  hub: HiveInstance;
  /** members[i - 1] lives in namespace i; links[i - 1] is its leaf link to the hub. */
  members: HiveInstance[];
  links: RemoteLink[];
  /** Where the links run: a benchmark adds a link of its own beside them. */
  linkHost: LinkHost;
  /** hub first, then the members. */
  all: HiveInstance[];
  /** `hive cluster invite` on the hub: the token, or the CLI's failure. */
  invite(ttlSeconds?: number): { status: number | null; token: string; stderr: string };
  /** Joins one more box in namespace `i` with `token` (the test made the namespace's link). */
  join(i: number, token: string, extra?: string[]): Promise<HiveInstance>;
  stop(): Promise<void>;
}

export async function startCluster(size: number, extra: string[] = []): Promise<TestCluster> {
  const net = await createClusterNet(size);
  const leafPort = await freePort();
  // The links run in a process of their own: the tests' blocking CLI calls must not stall them.
  const host = startLinkHost();
  const links: RemoteLink[] = [];
  const started: HiveInstance[] = [];
  try {
    for (let i = 1; i < size; i++) {
      links.push(await host.start({ listenHost: net.hostAddress(i), targetHost: net.nsAddress(0), targetPort: leafPort }));
    }
    const advertise = links.map((l) => `${l.host}:${l.port}`).join(",");
    const hub = await startHive([...extra, "--node-name", "hub", "--leaf-host", "0.0.0.0", "--leaf-port", String(leafPort), "--leaf-advertise", advertise], {
      netns: net.namespaces[0],
    });
    started.push(hub);
    const invite = (ttlSeconds?: number) => {
      const r = runHive(["cluster", "invite", "--data-dir", hub.dataDir, ...(ttlSeconds ? ["--ttl", String(ttlSeconds)] : [])], { HOME: hub.home, HIVE_NETNS: net.namespaces[0]! });
      return { status: r.status, token: r.stdout.trim(), stderr: r.stderr };
    };
    const join = async (i: number, token: string, more: string[] = []) => {
      const link = links[i - 1]!;
      const m = await startHive([...extra, "--node-name", `m${i}`, ...more, "--join", token, "--hub", `${link.host}:${link.port}`], { netns: net.namespaces[i] });
      started.push(m);
      return m;
    };
    const members: HiveInstance[] = [];
    for (let i = 1; i < size; i++) {
      const { token, status, stderr } = invite();
      if (status !== 0) throw new Error(`hive cluster invite failed: ${stderr}`);
      members.push(await join(i, token));
    }
    return {
      net,
      hub,
      members,
      links,
      linkHost: host,
      all: [hub, ...members],
      invite,
      join,
      async stop() {
        await Promise.all(started.map((h) => h.stop().catch(() => null)));
        await host.close();
        await net.destroy();
      },
    };
  } catch (err) {
    await Promise.all(started.map((h) => h.stop().catch(() => null)));
    await host.close();
    await net.destroy();
    throw err;
  }
}
