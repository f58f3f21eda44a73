// `hive version`: what this binary is.
import pkg from "../../package.json" with { type: "json" };
import { runtimeName } from "../runtime/index.ts";

export const HIVE_VERSION: string = pkg.version;

export const versionLine = (): string => `hive ${HIVE_VERSION} (${runtimeName()}, ${process.platform}/${process.arch})`;
