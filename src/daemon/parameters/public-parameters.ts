// Public parameters (/aws/service/...) naming Hive's images, published by the operator through the admin API
// (`hive image import --alias/--publish`, `hive image publish`, `hive image unpublish`). Like the image rows they point
// at, they are written by the box the operator asks, and the region's log carries them to the others.
import type { ImagePublished, ImagePublishRequest, ImageUnpublishRequest } from "../../bus/index.ts";
import { invalidParameter, invalidState, notFound } from "../../errors/index.ts";
import type { Store } from "../../store/index.ts";
import { isId } from "../shared/index.ts";
import { checkPublicName } from "./names.ts";

/** Checks the names an import is to publish, before anything is imported. */
export function checkPublishNames(names: unknown): string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) throw invalidParameter("publish", "publish must be a list of names");
  return [...new Set((names as string[]).map((n) => checkPublicName(n)))];
}

/** Points the name at the image (available ones only); re-pointing it counts its version on. */
export function publishImage(store: Pick<Store, "images" | "publicParameters">, req: ImagePublishRequest): ImagePublished {
  const name = checkPublicName(req?.name);
  const imageId = typeof req?.imageId === "string" ? req.imageId : "";
  if (!isId("ami", imageId)) throw invalidParameter("imageId", `Invalid id: "${imageId.slice(0, 64)}" (expecting "ami-...")`);
  const image = store.images.get(imageId);
  if (!image || image.state === "deregistered") throw notFound("image", `The image id '[${imageId}]' does not exist`, "imageId");
  if (image.state !== "available") throw invalidState("image", `The image '${imageId}' is ${image.state}; only an available image can be published`);
  const rec = store.publicParameters.publish(name, imageId, new Date().toISOString());
  return { name: rec.name, imageId: rec.imageId, version: rec.version };
}

export function unpublishImage(store: Pick<Store, "publicParameters" | "transaction">, req: ImageUnpublishRequest): ImagePublished {
  const name = checkPublicName(req?.name);
  return store.transaction(() => {
    const rec = store.publicParameters.get(name);
    if (!rec || !store.publicParameters.unpublish(name)) throw notFound("parameter", `Parameter ${name} not found.`, "name");
    return { name: rec.name, imageId: rec.imageId, version: rec.version };
  });
}
