// The image actions bound to their declarations: listing, attributes, and making or dropping AMIs on this node.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { describeImages } from "./describe-images.ts";
import { describeImageAttribute, modifyImageAttribute } from "./image-attributes.ts";
import type { ImageBuilds } from "./image-builds.ts";

export const imageHandlers = (ctx: DaemonContext, store: Store, builds: ImageBuilds) =>
  ({
    DescribeImages: (req) => describeImages(req.input, ctx, store),
    CreateImage: (req) => builds.createImage(req),
    CopyImage: (req) => builds.copyImage(req),
    RegisterImage: (req) => builds.registerImage(req),
    DeregisterImage: (req) => builds.deregisterImage(req),
    DescribeImageAttribute: (req) => describeImageAttribute(req.input, store),
    ModifyImageAttribute: (req) => modifyImageAttribute(req.input, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
