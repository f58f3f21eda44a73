// The security group actions bound to their declarations, over the region's store; rule changes reach the data plane.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext, NetworkChanges } from "../shared/index.ts";
import { createSecurityGroup, deleteSecurityGroup, describeSecurityGroups } from "./groups.ts";
import {
  authorizeEgress,
  authorizeIngress,
  describeSecurityGroupRules,
  modifySecurityGroupRules,
  revokeEgress,
  revokeIngress,
  updateDescriptionsEgress,
  updateDescriptionsIngress,
} from "./rules.ts";

export const securityGroupHandlers = (ctx: DaemonContext, store: Store, changes: NetworkChanges) => {
  const deps = { ctx, store, changes };
  return {
    CreateSecurityGroup: (req) => createSecurityGroup(ctx, store, req.input, changes),
    DeleteSecurityGroup: (req) => deleteSecurityGroup(store, req.input, changes),
    DescribeSecurityGroups: (req) => describeSecurityGroups(ctx, store, req.input),
    AuthorizeSecurityGroupIngress: (req) => authorizeIngress(deps, req.input),
    AuthorizeSecurityGroupEgress: (req) => authorizeEgress(deps, req.input),
    RevokeSecurityGroupIngress: (req) => revokeIngress(deps, req.input),
    RevokeSecurityGroupEgress: (req) => revokeEgress(deps, req.input),
    DescribeSecurityGroupRules: (req) => describeSecurityGroupRules(deps, req.input),
    ModifySecurityGroupRules: (req) => modifySecurityGroupRules(deps, req.input),
    UpdateSecurityGroupRuleDescriptionsIngress: (req) => updateDescriptionsIngress(deps, req.input),
    UpdateSecurityGroupRuleDescriptionsEgress: (req) => updateDescriptionsEgress(deps, req.input),
  } satisfies Partial<Handlers<Ec2Actions>>;
};
