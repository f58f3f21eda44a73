// EC2's tag actions: every node tags the resources it holds and lists their tags.
import type { CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest, DescribeTagsResult } from "@aws-sdk/client-ec2";
import { resourceIds } from "../not-found.ts";
import { declare } from "../spec.ts";

export const tagActions = {
  CreateTags: declare<CreateTagsRequest, object>({ kind: "owners", owned: resourceIds("Resources") }),
  DeleteTags: declare<DeleteTagsRequest, object>({ kind: "owners", owned: resourceIds("Resources") }),
  DescribeTags: declare<DescribeTagsRequest, DescribeTagsResult>({
    kind: "every",
    merge: { list: "Tags", key: (t) => `${String(t.ResourceId)}\u0000${String(t.Key)}`, paginated: true },
  }),
};
