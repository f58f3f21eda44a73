// Security groups: each VPC's groups, their ingress and egress rules, and the default group; what RunInstances and
// the data plane need of them.
export { createDefaultGroup } from "./default-group.ts";
export { securityGroupHandlers } from "./handlers.ts";
export { checkGroupsForVpc, groupIdsByNames, rulesForDataPlane, type DataPlaneGroup, type DataPlaneRule } from "./data-plane.ts";
export { createSecurityGroup, deleteSecurityGroup, describeSecurityGroups } from "./groups.ts";
export {
  authorizeEgress,
  authorizeIngress,
  describeSecurityGroupRules,
  modifySecurityGroupRules,
  revokeEgress,
  revokeIngress,
  updateDescriptionsEgress,
  updateDescriptionsIngress,
  type RuleDeps,
} from "./rules.ts";
