// The bus table of the image actions that make or drop AMIs on this node (DescribeImages is in actions.ts).
import type { ActionRequest, ActionTable } from "../bus/index.ts";
import type { ImageBuilds } from "./images/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const withInput = (req: ActionRequest): ActionRequest<any> => ({ ...req, input: req.input ?? {} });

/**
 * CreateImage goes to the node holding the instance, CopyImage to the one holding the source and DeregisterImage to
 * the one holding the image (fanned out; the others answer `_owned: []`); RegisterImage to any one node.
 */
export function imageActionTable(builds: ImageBuilds): ActionTable {
  return {
    "ec2.CreateImage": { mode: "fanout", handler: (req) => builds.createImage(withInput(req)) },
    "ec2.CopyImage": { mode: "fanout", handler: (req) => builds.copyImage(withInput(req)) },
    "ec2.DeregisterImage": { mode: "fanout", handler: (req) => builds.deregisterImage(withInput(req)) },
    "ec2.RegisterImage": { mode: "queue", handler: (req) => builds.registerImage(withInput(req)) },
  };
}
