// The security groups of an interface: ids checked and read from the store, all in the interface's VPC, five at most.
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import type { SecurityGroupRecord, Store } from "../../store/index.ts";
import { assertIds } from "../shared/index.ts";

/** EC2's default quota of security groups per network interface. */
export const MAX_GROUPS_PER_INTERFACE = 5;

/**
 * The groups named by id, in order and without repeats, each existing (InvalidGroup.NotFound) and in `vpcId`
 * (InvalidParameter naming `other`, the subnet or interface they were meant for).
 */
export function groupsById(store: Store, vpcId: string, ids: string[], param: string, other: string): SecurityGroupRecord[] {
  assertIds("sg", ids, param);
  const out: SecurityGroupRecord[] = [];
  for (const id of new Set(ids)) {
    const g = store.securityGroups.get(id);
    if (!g) throw notFound("security-group", `The security group '${id}' does not exist`, param);
    if (g.vpcId !== vpcId) throw invalidParameter(param, `Security group ${id} and ${other} belong to different networks.`, "invalid-parameter");
    out.push(g);
  }
  checkGroupCount(out.length, param);
  return out;
}

/** The groups named by name in `vpcId` (the default VPC, for RunInstances' SecurityGroups). */
export function groupsByName(store: Store, vpcId: string, names: string[], param: string): SecurityGroupRecord[] {
  const out: SecurityGroupRecord[] = [];
  for (const name of new Set(names)) {
    const g = store.securityGroups.byName(vpcId, name);
    if (!g) throw notFound("security-group", `The security group '${name}' does not exist in default VPC '${vpcId}'`, param);
    out.push(g);
  }
  checkGroupCount(out.length, param);
  return out;
}

function checkGroupCount(n: number, param: string): void {
  if (n > MAX_GROUPS_PER_INTERFACE) {
    throw new HiveError({ kind: "InvalidParameter", resource: "groups-per-interface", param, message: "The maximum number of security groups per interface has been reached." });
  }
}

/** The VPC's default group; every VPC has one (made with the VPC). */
export function defaultGroupOf(store: Store, vpcId: string): SecurityGroupRecord {
  const g = store.securityGroups.byName(vpcId, "default");
  if (!g) throw notFound("security-group", `The default security group of VPC '${vpcId}' does not exist`);
  return g;
}
