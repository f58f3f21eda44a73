// This node's image admin subjects on the bus: start an import, ask how it is going, publish an image under a public
// parameter name (/aws/service/...) or take the name away.
import {
  subjects,
  type Bus,
  type ImageImportRequest,
  type ImageProgressRequest,
  type ImagePublishRequest,
  type ImageUnpublishRequest,
  type Served,
} from "../../bus/index.ts";
import type { Store } from "../../store/index.ts";
import { publishImage, unpublishImage } from "../parameters/index.ts";
import type { ImageImports } from "./image-imports.ts";

/** Serves `hive.admin.<node>.images.import`, `.progress`, `.publish` and `.unpublish`; returns what to close on stop. */
export function serveImageAdmin(bus: Bus, node: string, imports: ImageImports, store: Store, log: (line: string) => void): Served[] {
  return [
    bus.serve(subjects.imageImport(node), (env) => imports.start(env.input as ImageImportRequest), { node, log }),
    bus.serve(subjects.imageProgress(node), (env) => imports.progress(env.input as ImageProgressRequest), { node, log }),
    bus.serve(subjects.imagePublish(node), (env) => publishImage(store, env.input as ImagePublishRequest), { node, log }),
    bus.serve(subjects.imageUnpublish(node), (env) => unpublishImage(store, env.input as ImageUnpublishRequest), { node, log }),
  ];
}
