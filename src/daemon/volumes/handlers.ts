// The volume actions bound to their declarations.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import { describeVolumes } from "./volumes.ts";

export const volumeHandlers = (store: Store) =>
  ({
    DescribeVolumes: (req) => describeVolumes(req, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
