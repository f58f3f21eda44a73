// Loopback ports for user-mode guests' SSH forwards, handed out so that two launches at once never get the same one.
import net from "node:net";

/** A free TCP port on loopback, for a guest's SSH forward. */
function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Ports handed to guests launching now: QEMU binds its forward only once it starts, so two concurrent launches
 * could otherwise be offered the same free port.
 */
const portsInFlight = new Set<number>();

/** A free loopback port no other launch of this process holds. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (portsInFlight.has(port)) continue;
    portsInFlight.add(port);
    // QEMU holds it well before this; the set only has to cover the launch itself.
    setTimeout(() => portsInFlight.delete(port), 120_000).unref();
    return port;
  }
}
