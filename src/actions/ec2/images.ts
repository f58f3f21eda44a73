// EC2's image actions: AMIs are made on the node holding their source and listed by every node.
import type {
  CopyImageRequest,
  CopyImageResult,
  CreateImageRequest,
  CreateImageResult,
  DeregisterImageRequest,
  DescribeImagesRequest,
  DescribeImagesResult,
  RegisterImageRequest,
  RegisterImageResult,
} from "@aws-sdk/client-ec2";
import { imageIds, instanceIds } from "../not-found.ts";
import { anyNode, declare } from "../spec.ts";

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
};
