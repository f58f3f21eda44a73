// IAM: what Hive answers of it before IAM itself exists (one account, its administrator, no aliases).
import type { ListAccountAliasesRequest, ListAccountAliasesResponse } from "@aws-sdk/client-iam";
import { anyNode, declare } from "./spec.ts";

export const iamActions = {
  ListAccountAliases: declare<ListAccountAliasesRequest, ListAccountAliasesResponse>(anyNode),
};
