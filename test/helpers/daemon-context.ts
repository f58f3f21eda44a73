// A daemon's context for unit tests of handlers: one node in us-east-1a, user-mode networking, no data directory.
import type { DaemonContext } from "../../src/daemon/shared/index.ts";

export const testContext = (patch: Partial<DaemonContext> = {}): DaemonContext => ({
  node: "node-1",
  region: "us-east-1",
  az: "us-east-1a",
  azId: "use1-az1",
  endpoint: "https://localhost:9999",
  accountId: "123456789012",
  host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: true },
  overcommit: { cpu: 1, mem: 1 },
  network: { mode: "user" },
  dataDir: "/nonexistent",
  ...patch,
});
