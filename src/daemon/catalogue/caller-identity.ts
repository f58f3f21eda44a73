// STS GetCallerIdentity: echoes who the gateway authenticated the request as.

import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from "@aws-sdk/client-sts";
import type { Caller } from "../../bus/index.ts";
import type { DaemonContext } from "../shared/index.ts";

export const getCallerIdentity = (
  _input: GetCallerIdentityRequest,
  _ctx: DaemonContext,
  caller: Caller,
): GetCallerIdentityResponse => ({ UserId: caller.userId, Account: caller.accountId, Arn: caller.arn });
