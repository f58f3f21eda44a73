// IAM ListAccountAliases: Hive's one account has no alias (CreateAccountAlias waits for IAM), so the list is empty.
import type { ListAccountAliasesRequest, ListAccountAliasesResponse } from "@aws-sdk/client-iam";

export const listAccountAliases = (_input: ListAccountAliasesRequest): ListAccountAliasesResponse => ({ AccountAliases: [], IsTruncated: false });
