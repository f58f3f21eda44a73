// EC2's image actions: AMIs are made on the node holding their source and listed by every node; their attributes are
// region-wide rows.
import type {
  CopyImageRequest,
  CopyImageResult,
  CreateImageRequest,
  CreateImageResult,
  DeregisterImageRequest,
  DescribeImageAttributeRequest,
  ImageAttribute,
  DescribeImagesRequest,
  DescribeImagesResult,
  ModifyImageAttributeRequest,
  RegisterImageRequest,
  RegisterImageResult,
} from "@aws-sdk/client-ec2";
import { imageIds, instanceIds } from "../not-found.ts";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const imageActions = {
  DescribeImages: declare<DescribeImagesRequest, DescribeImagesResult>({
    kind: "every",
    merge: { list: "Images", key: "ImageId", paginated: true },
    owned: imageIds("ImageIds"),
  }),
  // Made on the node holding the instance (CreateImage) or the source image (CopyImage).
  CreateImage: declare<CreateImageRequest, CreateImageResult>({ kind: "owner", owned: instanceIds("InstanceId") }),
  CopyImage: declare<CopyImageRequest, CopyImageResult>({ kind: "owner", owned: imageIds("SourceImageId") }),
  // Reads a file of the data directory on whichever node takes it.
  RegisterImage: declare<RegisterImageRequest, RegisterImageResult>(anyNode),
  DeregisterImage: declare<DeregisterImageRequest, object>({ kind: "owners", owned: imageIds("ImageId") }),
  // Every box has the region's image rows (and their launch permissions); changes go to the region's writer.
  DescribeImageAttribute: declare<DescribeImageAttributeRequest, ImageAttribute>(anyNode),
  ModifyImageAttribute: declare<ModifyImageAttributeRequest, object>(regionWriter),
};
