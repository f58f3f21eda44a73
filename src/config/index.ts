// Data directory, node identity, credentials and TLS: everything `hive init` makes and `hive up` reads.
export { resolveDataDir, dataPaths, type DataPaths, type DataDirOptions } from "./paths.ts";
export {
  initDataDir, isInitialized, loadNodeConfig, loadSecrets, saveIdentity, azIdFor, DataDirExists, type MemberOf,
  ensureParameterKey, parameterKeyBytes, saveParameterKey,
  DEFAULT_REGION, DEFAULT_GATEWAY_PORT, type NodeConfig, type Secrets, type InitOptions,
} from "./node-config.ts";
export { writeAwsProfile, upsertIniSection, type AwsProfile } from "./aws-profile.ts";
export { writeRunState, readRunState, clearRunState, type RunState } from "./run-state.ts";
export { writeFileAtomic } from "./files.ts";
export { keepsFileModes, fileModesWarning } from "./file-modes.ts";
export { certFingerprint, issueServerCert, serverNames } from "./tls.ts";
export { newPassword } from "./secrets.ts";
