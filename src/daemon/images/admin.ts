// This node's image admin subjects on the bus: start an import, ask how it is going.
import { subjects, type Bus, type ImageImportRequest, type ImageProgressRequest, type Served } from "../../bus/index.ts";
import type { ImageImports } from "./image-imports.ts";

/** Serves `hive.admin.<node>.images.import` and `.progress`; returns what to close on stop. */
export function serveImageAdmin(bus: Bus, node: string, imports: ImageImports, log: (line: string) => void): Served[] {
  return [
    bus.serve(subjects.imageImport(node), (env) => imports.start(env.input as ImageImportRequest), { node, log }),
    bus.serve(subjects.imageProgress(node), (env) => imports.progress(env.input as ImageProgressRequest), { node, log }),
  ];
}
