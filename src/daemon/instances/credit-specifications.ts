// CPU credit options of burstable (T-family) instances: EC2's defaults per family, RunInstances' CreditSpecification,
// and Describe/ModifyInstanceCreditSpecification(s). Hive's guests are not throttled by credits; the option is stored
// and reported so that tools reading and setting it (Terraform's aws_instance, Auto Scaling templates) work unchanged.
import type {
  DescribeInstanceCreditSpecificationsRequest,
  InstanceCreditSpecification,
  ModifyInstanceCreditSpecificationRequest,
  SuccessfulInstanceCreditSpecificationItem,
  UnsuccessfulInstanceCreditSpecificationItem,
} from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { HiveError, invalidParameter } from "../../errors/index.ts";
import type { InstanceRecord } from "../../store/index.ts";
import { findInstanceType } from "../catalogue/index.ts";
import { applyFilters, assertIds, type FilterFields } from "../shared/index.ts";
import type { InstanceDeps } from "./instance-deps.ts";

export type CpuCredits = "standard" | "unlimited";

const isBurstable = (type: string): boolean => findInstanceType(type)?.BurstablePerformanceSupported === true;

/** EC2's default for a burstable type: T2 launches standard, T3, T3a and T4g unlimited; other types have none. */
export const defaultCpuCredits = (type: string): CpuCredits | undefined =>
  !isBurstable(type) ? undefined : type.startsWith("t2.") ? "standard" : "unlimited";

/**
 * The option an instance has: the one set for it, or its type's default. An instance resized away from a T type keeps
 * the option it had, as on EC2; one that never had a burstable type has none.
 */
export const creditsOf = (r: InstanceRecord): CpuCredits | undefined => r.cpuCredits ?? defaultCpuCredits(r.instanceType);

function checkCpuCredits(value: unknown, param: string): CpuCredits {
  if (value === "standard" || value === "unlimited") return value;
  if (value === undefined || value === "") {
    throw new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param, message: `The request must contain the parameter ${param}` });
  }
  throw invalidParameter(param, `Value (${String(value).slice(0, 64)}) for parameter ${param} is invalid. Expecting 'standard' or 'unlimited'.`);
}

// EC2's words for a credit option asked of a type that has none.
const notBurstable = (type: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "credit-specification", message: `The ${type} instance type does not support T2 Unlimited.` });

/** What RunInstances stores for its instances: the CreditSpecification asked for, else the type's default (none for non-T types). */
export function launchCpuCredits(spec: { CpuCredits?: string } | undefined, type: string): CpuCredits | undefined {
  if (spec === undefined) return defaultCpuCredits(type);
  const credits = checkCpuCredits(spec.CpuCredits, "CreditSpecification.CpuCredits");
  if (!isBurstable(type)) throw notBurstable(type);
  return credits;
}

const fields: FilterFields<InstanceCreditSpecification> = { "instance-id": (c) => c.InstanceId };

/**
 * This node's instances' options. Without ids: those running unlimited (whatever their type now), as EC2 lists them.
 * With ids: each one's option; an instance that has none (never burstable) is InstanceCreditSpecification.NotSupported.
 */
export function describeInstanceCreditSpecifications(req: ActionRequest<DescribeInstanceCreditSpecificationsRequest>, deps: InstanceDeps) {
  const ids = req.input.InstanceIds ?? [];
  assertIds("i", ids, "InstanceId");
  let rows: InstanceRecord[];
  if (ids.length === 0) rows = deps.store.instances.list().filter((r) => creditsOf(r) === "unlimited");
  else {
    rows = deps.store.instances.listByIds(ids);
    if (req.nodes === 1 && rows.length < new Set(ids).size) {
      const held = new Set(rows.map((r) => r.id));
      const absent = ids.filter((id) => !held.has(id));
      throw new HiveError({
        kind: "NotFound",
        resource: "instance",
        param: "InstanceId",
        message: absent.length === 1 ? `The instance ID '${absent[0]}' does not exist` : `The instance IDs '${absent.join(", ")}' do not exist`,
      });
    }
    // A type that never had an option is refused; one resized away from unlimited is still listed, as on EC2.
    const none = rows.find((r) => !isBurstable(r.instanceType) && r.cpuCredits !== "unlimited");
    if (none) throw notBurstable(none.instanceType);
  }
  const items = rows.map((r): InstanceCreditSpecification => ({ InstanceId: r.id, CpuCredits: creditsOf(r) }));
  return { InstanceCreditSpecifications: applyFilters(items, req.input.Filters, fields), _owned: ids.length > 0 ? rows.map((r) => r.id) : [] };
}

const unsuccessful = (id: string, code: string, message: string): UnsuccessfulInstanceCreditSpecificationItem => ({
  InstanceId: id,
  Error: { Code: code as NonNullable<UnsuccessfulInstanceCreditSpecificationItem["Error"]>["Code"], Message: message },
});

/**
 * Sets the option of each instance this node holds, each on its own: one that cannot take it is Unsuccessful with
 * EC2's code. The gateway reports the ids no node holds.
 */
export function modifyInstanceCreditSpecification(req: ActionRequest<ModifyInstanceCreditSpecificationRequest>, deps: InstanceDeps) {
  const asked = req.input.InstanceCreditSpecifications ?? [];
  // The whole call is refused for a value that is neither option, before anything changes.
  const wanted = asked.map((s, i) => ({ id: s.InstanceId ?? "", credits: checkCpuCredits(s.CpuCredits, `InstanceCreditSpecification.${i + 1}.CpuCredits`) }));
  const rows = new Map(deps.store.instances.listByIds(wanted.map((w) => w.id).filter((id) => id !== "")).map((r) => [r.id, r]));
  const ok: SuccessfulInstanceCreditSpecificationItem[] = [];
  const failed: UnsuccessfulInstanceCreditSpecificationItem[] = [];
  deps.store.transaction(() => {
    for (const w of wanted) {
      const r = rows.get(w.id);
      if (!r) continue;
      if (r.state === "shutting-down" || r.state === "terminated") {
        failed.push(unsuccessful(r.id, "IncorrectInstanceState", `The instance '${r.id}' is not in a state from which its credit option can be modified.`));
      } else if (!isBurstable(r.instanceType)) {
        failed.push(unsuccessful(r.id, "InstanceCreditSpecification.NotSupported", `The ${r.instanceType} instance type does not support T2 Unlimited.`));
      } else {
        deps.store.instances.update(r.id, { cpuCredits: w.credits });
        ok.push({ InstanceId: r.id });
      }
    }
  });
  return { SuccessfulInstanceCreditSpecifications: ok, UnsuccessfulInstanceCreditSpecifications: failed, _owned: [...rows.keys()] };
}
