// The action catalogue: every action Hive serves, declared once. The gateway routes and merges from it; the
// daemon binds one handler of the declared type to each entry.
import { catalogueActions } from "./ec2/catalogue.ts";
import { imageActions } from "./ec2/images.ts";
import { instanceActions } from "./ec2/instances.ts";
import { keyPairActions } from "./ec2/key-pairs.ts";
import { launchTemplateActions } from "./ec2/launch-templates.ts";
import { securityGroupActions } from "./ec2/security-groups.ts";
import { internetGatewayActions, routeTableActions } from "./ec2/route-tables.ts";
import { subnetActions } from "./ec2/subnets.ts";
import { networkInterfaceActions } from "./ec2/network-interfaces.ts";
import { addressActions } from "./ec2/addresses.ts";
import { tagActions } from "./ec2/tags.ts";
import { volumeActions } from "./ec2/volumes.ts";
import { snapshotActions } from "./ec2/snapshots.ts";
import { vpcActions } from "./ec2/vpcs.ts";
import type { ActionSpec, Handlers } from "./spec.ts";
import { iamActions } from "./iam.ts";
import { ssmActions } from "./ssm.ts";
import { stsActions } from "./sts.ts";

export const catalogue = {
  ec2: {
    ...catalogueActions,
    ...instanceActions,
    ...tagActions,
    ...volumeActions,
    ...snapshotActions,
    ...imageActions,
    ...keyPairActions,
    ...launchTemplateActions,
    ...vpcActions,
    ...subnetActions,
    ...routeTableActions,
    ...internetGatewayActions,
    ...securityGroupActions,
    ...networkInterfaceActions,
    ...addressActions,
  },
  sts: stsActions,
  iam: iamActions,
  ssm: ssmActions,
} as const;

export type Catalogue = typeof catalogue;
export type ServiceName = keyof Catalogue;
export type Ec2Actions = Catalogue["ec2"];
export type SsmActions = Catalogue["ssm"];

/** Every handler of every service: what the daemon serves. */
export type ServiceHandlers = { [S in ServiceName]: Handlers<Catalogue[S]> };

/** The declaration of `service.action`, if Hive serves it. */
export function actionSpec(service: string, action: string): ActionSpec | undefined {
  const actions = Object.hasOwn(catalogue, service) ? (catalogue[service as ServiceName] as Record<string, ActionSpec>) : undefined;
  return actions && Object.hasOwn(actions, action) ? actions[action] : undefined;
}

/** Every declared action as [service, action]. */
export const declaredActions = (): Array<[ServiceName, string]> =>
  (Object.keys(catalogue) as ServiceName[]).flatMap((s) => Object.keys(catalogue[s]).map((a): [ServiceName, string] => [s, a]));

export type { ActionRequest } from "../bus/index.ts";
export { anyNode, declare, fansOut, placed } from "./spec.ts";
export type { ActionSpec, Handler, Handlers, InputOf, Merge, NodeOutput, OutputOf, OwnedIds, Travel } from "./spec.ts";
export { isReservedTagKey, LAUNCH_TEMPLATE_ID_TAG, LAUNCH_TEMPLATE_VERSION_TAG, SSH_PORT_TAG } from "./reserved-tags.ts";
export { decodePageToken, encodePageToken } from "./paging.ts";
export { imageIds, instanceIds, instanceItems, resourceIds, volumeIds } from "./not-found.ts";

/** What is wrong with a handler table: declared actions without a handler, and handlers for undeclared actions. */
export function handlerProblems(handlers: Record<string, Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [service, action] of declaredActions()) {
    if (typeof handlers[service]?.[action] !== "function") problems.push(`${service}.${action} is declared but has no handler`);
  }
  for (const [service, table] of Object.entries(handlers)) {
    for (const action of Object.keys(table)) {
      if (!actionSpec(service, action)) problems.push(`${service}.${action} has a handler but is not declared`);
    }
  }
  return problems;
}
