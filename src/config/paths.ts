// Where the data directory is and what lives in it.
import os from "node:os";
import path from "node:path";

export interface DataDirOptions {
  dataDir?: string;
  portable?: boolean;
}

/** --data-dir, else $HIVE_DATA_DIR, else beside the binary in portable mode, else /var/lib/hive (root) or ~/.local/share/hive. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  if (opts.dataDir) return path.resolve(opts.dataDir);
  if (process.env.HIVE_DATA_DIR) return path.resolve(process.env.HIVE_DATA_DIR);
  if (opts.portable) return path.join(path.dirname(process.execPath), "hive-data");
  if (process.getuid?.() === 0) return "/var/lib/hive";
  return path.join(os.homedir(), ".local", "share", "hive");
}

/** The files of one data directory. */
export function dataPaths(dataDir: string) {
  return {
    root: dataDir,
    config: path.join(dataDir, "config.json"),
    secrets: path.join(dataDir, "secrets.json"),
    tlsDir: path.join(dataDir, "tls"),
    caCert: path.join(dataDir, "tls", "ca.pem"),
    caKey: path.join(dataDir, "tls", "ca-key.pem"),
    serverCert: path.join(dataDir, "tls", "server.pem"),
    serverKey: path.join(dataDir, "tls", "server-key.pem"),
    /** The hub's leaf-node listener certificate, re-issued when the addresses it is reached at change. */
    leafCert: path.join(dataDir, "tls", "leaf.pem"),
    leafKey: path.join(dataDir, "tls", "leaf-key.pem"),
    jetstream: path.join(dataDir, "nats", "jetstream"),
    db: path.join(dataDir, "hive.db"),
    logs: path.join(dataDir, "logs"),
    runtime: path.join(dataDir, "run"),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
