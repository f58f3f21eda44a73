// Who may launch an AMI besides its owner: EC2's LaunchPermission items checked into rows, the rows shown back, and
// the questions DescribeImages asks of them (is it public, may these users launch it).
//
// Only the owner's account exists in Hive, so account ids are stored and reported as given but grant nothing a caller
// could use yet; the group `all` makes the image public, which DescribeImages reports.
import type { LaunchPermission as Ec2LaunchPermission } from "@aws-sdk/client-ec2";
import { HiveError, unsupported } from "../../errors/index.ts";
import type { LaunchPermission } from "../../store/index.ts";

const ACCOUNT_ID = /^\d{12}$/;

/** A parameter Hive does not honour: refused (UnsupportedOperation) naming it, never ignored. */
export const notSupported = (param: string, what: string): HiveError => unsupported(`${param}: ${what} is not supported by Hive`);

/** InvalidAMIAttributeItemValue, as EC2 answers a group other than `all` or a user id that is not an account id. */
const badItem = (value: string, type: "group" | "userId"): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "ami-attribute-item", message: `Invalid attribute item value (${value}) for ${type} item type.` });

export const groupGrant = (group: string): LaunchPermission => {
  if (group !== "all") throw badItem(group, "group");
  return { granteeType: "group", grantee: "all" };
};

export const userGrant = (userId: string): LaunchPermission => {
  if (!ACCOUNT_ID.test(userId)) throw badItem(userId, "userId");
  return { granteeType: "user", grantee: userId };
};

/** LaunchPermission.Add.N / .Remove.N items as rows; organisations and OUs are refused (no AWS Organizations here). */
export function grantsOf(items: Ec2LaunchPermission[] | undefined, param: string): LaunchPermission[] {
  return (items ?? []).map((item, i) => {
    const at = `${param}.${i + 1}`;
    if (item.OrganizationArn !== undefined) throw notSupported(`${at}.OrganizationArn`, "sharing an AMI with an AWS Organizations organization");
    if (item.OrganizationalUnitArn !== undefined) throw notSupported(`${at}.OrganizationalUnitArn`, "sharing an AMI with an organizational unit");
    if (item.Group !== undefined && item.UserId !== undefined) {
      throw new HiveError({ kind: "InvalidParameter", resource: "parameter-combination", param: at, message: `${at} must name either a Group or a UserId, not both.` });
    }
    if (item.Group !== undefined) return groupGrant(item.Group);
    if (item.UserId !== undefined) return userGrant(item.UserId);
    throw new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param: at, message: `${at} must name a Group or a UserId.` });
  });
}

/** The rows as EC2 lists them: `{ Group: "all" }` first, then `{ UserId }`. */
export const launchPermissionsView = (rows: LaunchPermission[]): Ec2LaunchPermission[] =>
  rows.map((r) => (r.granteeType === "group" ? { Group: "all" } : { UserId: r.grantee }));

export const isPublic = (rows: LaunchPermission[]): boolean => rows.some((r) => r.granteeType === "group" && r.grantee === "all");

/** DescribeImages' ExecutableUsers: `self`, `all` or account ids; anything else is InvalidUserID.Malformed. */
export function checkExecutableUsers(users: string[] | undefined): void {
  for (const u of users ?? []) {
    if (u !== "self" && u !== "all" && !ACCOUNT_ID.test(u)) {
      throw new HiveError({ kind: "InvalidParameter", resource: "user-id", param: "ExecutableUsers", message: `Invalid user id: '${u.slice(0, 64)}'` });
    }
  }
}

/**
 * Whether any of `users` may launch the image by an explicit permission, as EC2 reads ExecutableUsers: `all` selects
 * public images, `self` (the caller's account) and account ids the images shared with that account. An owner's own
 * images are not "shared with" it, so `self` does not select them.
 */
export const executableBy = (users: string[], rows: LaunchPermission[], callerAccount: string): boolean =>
  users.some((u) => (u === "all" ? isPublic(rows) : rows.some((r) => r.granteeType === "user" && r.grantee === (u === "self" ? callerAccount : u))));
