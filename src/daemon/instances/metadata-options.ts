// MetadataOptions: how the metadata service answers one instance (tokens, endpoint, hop limit), checked and shown.
import type { InstanceMetadataOptionsRequest, InstanceMetadataOptionsResponse, ModifyInstanceMetadataOptionsRequest } from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { invalidParameter } from "../../errors/index.ts";
import type { InstanceRecord } from "../../store/index.ts";
import type { InstanceDeps } from "./instance-deps.ts";
import { assertIds } from "../shared/index.ts";

type Options = Pick<InstanceRecord, "metadataHttpTokens" | "metadataHttpEndpoint" | "metadataHopLimit">;

export function checkMetadataOptions(o: InstanceMetadataOptionsRequest | ModifyInstanceMetadataOptionsRequest | undefined): Options {
  const out: Options = {};
  if (!o) return out;
  if (o.HttpTokens !== undefined) {
    if (o.HttpTokens !== "optional" && o.HttpTokens !== "required") throw invalidParameter("HttpTokens", `Value (${o.HttpTokens}) for parameter HttpTokens is invalid. Expecting 'optional' or 'required'.`);
    out.metadataHttpTokens = o.HttpTokens;
  }
  if (o.HttpEndpoint !== undefined) {
    if (o.HttpEndpoint !== "enabled" && o.HttpEndpoint !== "disabled") throw invalidParameter("HttpEndpoint", `Value (${o.HttpEndpoint}) for parameter HttpEndpoint is invalid. Expecting 'enabled' or 'disabled'.`);
    out.metadataHttpEndpoint = o.HttpEndpoint;
  }
  if (o.HttpPutResponseHopLimit !== undefined) {
    const n = o.HttpPutResponseHopLimit;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw invalidParameter("HttpPutResponseHopLimit", `Value (${n}) for parameter HttpPutResponseHopLimit is invalid. Expecting a value between 1 and 64.`);
    out.metadataHopLimit = n;
  }
  return out;
}

/** As DescribeInstances reports it; unset fields are EC2's defaults. */
export function metadataOptionsView(r: InstanceRecord): InstanceMetadataOptionsResponse {
  return {
    State: "applied",
    HttpTokens: r.metadataHttpTokens ?? "optional",
    HttpPutResponseHopLimit: r.metadataHopLimit ?? 1,
    HttpEndpoint: r.metadataHttpEndpoint ?? "enabled",
    HttpProtocolIpv6: "disabled",
    InstanceMetadataTags: "disabled",
  };
}

export async function modifyInstanceMetadataOptions(req: ActionRequest<ModifyInstanceMetadataOptionsRequest>, deps: InstanceDeps) {
  const id = req.input.InstanceId ?? "";
  assertIds("i", [id], "InstanceId");
  const r = deps.store.instances.get(id);
  if (!r) return { _owned: [] };
  const patch = checkMetadataOptions(req.input);
  deps.store.instances.update(id, patch);
  // A new hop limit is on the wire before the call returns.
  if (patch.metadataHopLimit !== undefined) await deps.manager.syncNetwork(id);
  return { InstanceId: id, InstanceMetadataOptions: metadataOptionsView({ ...r, ...patch }), _owned: [id] };
}
