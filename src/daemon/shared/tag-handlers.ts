// The tag actions bound to their declarations: every resource this node holds carries its tags in the store.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import { createTags, deleteTags, describeTags } from "./tags.ts";

export const tagHandlers = (store: Store) =>
  ({
    CreateTags: (req) => createTags(req, store),
    DeleteTags: (req) => deleteTags(req, store),
    DescribeTags: (req) => describeTags(req, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
