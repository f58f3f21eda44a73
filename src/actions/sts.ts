// STS: who the caller is.
import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from "@aws-sdk/client-sts";
import { anyNode, declare } from "./spec.ts";

export const stsActions = {
  GetCallerIdentity: declare<GetCallerIdentityRequest, GetCallerIdentityResponse>(anyNode),
};
