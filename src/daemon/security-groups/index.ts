// Security groups: each VPC's groups, their ingress and egress rules, and the default group.
export { createDefaultGroup } from "./default-group.ts";
