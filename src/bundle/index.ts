// The offline bundle: `hive bundle` writes the binary and the Debian packages a bare box needs, `hive install --from`
// checks and installs them on a box with no network.
export { RUNTIME_PACKAGES, type RuntimePackage } from "./packages.ts";
export { currentDistribution, describeDistribution, distributionMismatch, parseOsRelease, type Distribution } from "./distribution.ts";
export { BundleError, bundleProblems, manifestDigest, readManifest, MANIFEST, SHA256SUMS, type BundleManifest, type BundleFile } from "./manifest.ts";
export { writeBundle, type WriteBundleOptions, type WrittenBundle } from "./write-bundle.ts";
export { checkBundle, installBundle, type InstallBundleOptions, type InstalledBundle } from "./install-bundle.ts";
