// DescribeImageAttribute and ModifyImageAttribute: an AMI's description and launch permissions, and what Hive knows of
// every other attribute EC2 lists. Images are the region's: any box reads them, the region's writer changes them.
import type { DescribeImageAttributeRequest, ImageAttribute, ModifyImageAttributeRequest } from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import type { ImageRecord, LaunchPermission, Store } from "../../store/index.ts";
import { assertIds } from "../shared/index.ts";
import { imageOf } from "./describe-images.ts";
import { checkImageDescription } from "./image-rules.ts";
import { grantsOf, groupGrant, launchPermissionsView, notSupported, userGrant } from "./launch-permissions.ts";

/** The attributes DescribeImageAttribute takes (EC2's ImageAttributeName). */
export const IMAGE_ATTRIBUTES = [
  "description",
  "kernel",
  "ramdisk",
  "launchPermission",
  "productCodes",
  "blockDeviceMapping",
  "sriovNetSupport",
  "bootMode",
  "tpmSupport",
  "uefiData",
  "lastLaunchedTime",
  "imdsSupport",
  "deregistrationProtection",
] as const;

type ImageStore = Pick<Store, "images">;

const missing = (param: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param, message: `The request must contain the parameter ${param}` });

const unknownAttribute = (attribute: string): HiveError =>
  invalidParameter("Attribute", `Value (${attribute.slice(0, 64)}) for parameter attribute is invalid. Unknown attribute.`);

/** The image named by ImageId: InvalidAMIID.Malformed/NotFound otherwise (a deregistered image is gone). */
function liveImage(store: ImageStore, id: string | undefined): ImageRecord {
  if (!id) throw missing("ImageId");
  assertIds("ami", [id], "ImageId");
  const rec = store.images.get(id);
  if (!rec || rec.state === "deregistered") throw notFound("image", `The image id '[${id}]' does not exist`, "ImageId");
  return rec;
}

export function describeImageAttribute(input: DescribeImageAttributeRequest, store: ImageStore): ImageAttribute {
  const attribute = String(input.Attribute ?? "");
  if (!(IMAGE_ATTRIBUTES as readonly string[]).includes(attribute)) throw unknownAttribute(attribute);
  const rec = liveImage(store, input.ImageId);
  const view = imageOf(rec, []);
  const out: ImageAttribute = { ImageId: rec.id };
  switch (attribute as (typeof IMAGE_ATTRIBUTES)[number]) {
    case "description":
      out.Description = rec.description !== undefined ? { Value: rec.description } : {};
      break;
    case "launchPermission":
      out.LaunchPermissions = launchPermissionsView(store.images.launchPermissions([rec.id]).get(rec.id) ?? []);
      break;
    // HVM images boot their own kernel from their disk: no kernel or ramdisk image, no product codes.
    case "kernel":
      out.KernelId = {};
      break;
    case "ramdisk":
      out.RamdiskId = {};
      break;
    case "productCodes":
      out.ProductCodes = [];
      break;
    case "blockDeviceMapping":
      // EC2 deprecated this one and answers it with AuthFailure, pointing at DescribeImages; so does Hive.
      throw new HiveError({
        kind: "NotPermitted",
        resource: "deprecated-attribute",
        message: "The blockDeviceMapping attribute is deprecated: DescribeImages lists an image's block device mappings.",
      });
    case "sriovNetSupport":
      out.SriovNetSupport = { Value: view.SriovNetSupport };
      break;
    case "bootMode":
      out.BootMode = { Value: view.BootMode };
      break;
    // Guests boot legacy BIOS without a TPM: no NitroTPM, no UEFI variable store.
    case "tpmSupport":
      out.TpmSupport = {};
      break;
    case "uefiData":
      out.UefiData = {};
      break;
    case "lastLaunchedTime": {
      const at = store.images.lastLaunched(rec.id);
      out.LastLaunchedTime = at ? { Value: at } : {};
      break;
    }
    // Instances launched from it take IMDSv1 and v2 unless their own options say otherwise (no "v2.0" requirement).
    case "imdsSupport":
      out.ImdsSupport = {};
      break;
    case "deregistrationProtection":
      out.DeregistrationProtection = { Value: "disabled" };
      break;
  }
  return out;
}

/** One change a ModifyImageAttribute call asks for. */
type ImageChange =
  | { attribute: "launchPermission"; add: LaunchPermission[]; remove: LaunchPermission[] }
  | { attribute: "description"; value: string };

/** Which attribute the call names, by its Attribute parameter or the structure it sets; exactly one. */
function attributeOf(input: ModifyImageAttributeRequest): string {
  const named = new Set<string>();
  if (input.Attribute) named.add(input.Attribute);
  const legacyLaunch = (input.UserIds?.length ?? 0) > 0 || (input.UserGroups?.length ?? 0) > 0 || input.OperationType !== undefined;
  const organisations = (input.OrganizationArns?.length ?? 0) > 0 || (input.OrganizationalUnitArns?.length ?? 0) > 0;
  if (input.LaunchPermission || legacyLaunch || organisations) named.add("launchPermission");
  if (input.Description) named.add("description");
  if ((input.ProductCodes?.length ?? 0) > 0) named.add("productCodes");
  if (input.ImdsSupport) named.add("imdsSupport");
  if (named.size === 0) throw missing("Attribute");
  if (named.size > 1) {
    throw new HiveError({
      kind: "InvalidParameter",
      resource: "parameter-combination",
      param: "Attribute",
      message: `Modify one attribute per call (this one names ${[...named].join(", ")}).`,
    });
  }
  return [...named][0]!;
}

/** Add and Remove, from LaunchPermission.Add/Remove or the older Attribute=launchPermission with OperationType. */
function launchChange(input: ModifyImageAttributeRequest): ImageChange {
  if (input.OrganizationArns?.length) throw notSupported("OrganizationArn", "sharing an AMI with an AWS Organizations organization");
  if (input.OrganizationalUnitArns?.length) throw notSupported("OrganizationalUnitArn", "sharing an AMI with an organizational unit");
  const legacy = [...(input.UserGroups ?? []).map(groupGrant), ...(input.UserIds ?? []).map(userGrant)];
  if (input.LaunchPermission) {
    if (legacy.length > 0 || input.OperationType !== undefined) {
      throw new HiveError({
        kind: "InvalidParameter",
        resource: "parameter-combination",
        param: "LaunchPermission",
        message: "Give LaunchPermission, or OperationType with UserId/UserGroup, not both.",
      });
    }
    const add = grantsOf(input.LaunchPermission.Add, "LaunchPermission.Add");
    const remove = grantsOf(input.LaunchPermission.Remove, "LaunchPermission.Remove");
    if (add.length + remove.length === 0) throw missing("LaunchPermission.Add");
    return { attribute: "launchPermission", add, remove };
  }
  if (input.OperationType === undefined) throw missing("OperationType");
  if (input.OperationType !== "add" && input.OperationType !== "remove") {
    throw invalidParameter("OperationType", `Value (${String(input.OperationType).slice(0, 64)}) for parameter operationType is invalid. Expecting 'add' or 'remove'.`);
  }
  if (legacy.length === 0) throw missing("UserId");
  return input.OperationType === "add" ? { attribute: "launchPermission", add: legacy, remove: [] } : { attribute: "launchPermission", add: [], remove: legacy };
}

function changeOf(input: ModifyImageAttributeRequest): ImageChange {
  const attribute = attributeOf(input);
  switch (attribute) {
    case "launchPermission":
      return launchChange(input);
    case "description": {
      const value = input.Description ? input.Description.Value : input.Value;
      if (value === undefined) throw missing(input.Description ? "Description.Value" : "Value");
      return { attribute: "description", value: checkImageDescription(value, "Description")! };
    }
    case "imdsSupport":
      throw notSupported("ImdsSupport", "requiring IMDSv2 of every instance launched from an AMI (imdsSupport v2.0)");
    case "productCodes":
      throw notSupported("ProductCode", "product codes (AWS Marketplace)");
    default:
      // EC2 modifies only description, launchPermission and imdsSupport; the others it lists are read-only.
      if ((IMAGE_ATTRIBUTES as readonly string[]).includes(attribute)) {
        throw invalidParameter("Attribute", `The attribute '${attribute}' of an image cannot be modified.`);
      }
      throw unknownAttribute(attribute);
  }
}

/** Checks the whole call before changing anything, then makes its one change. */
export function modifyImageAttribute(input: ModifyImageAttributeRequest, store: ImageStore): Record<string, never> {
  const rec = liveImage(store, input.ImageId);
  const change = changeOf(input);
  if (change.attribute === "description") store.images.setDescription(rec.id, change.value);
  else store.images.changeLaunchPermissions(rec.id, change.add, change.remove);
  return {};
}
