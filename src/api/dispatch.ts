// Sends a decoded action where the catalogue says it travels and turns the replies into one answer: one node's
// output, or the merge of every node's, where a node that did not answer makes an unknown id Unavailable, not NotFound.
import { actionSpec, type ActionSpec, type ServiceName } from "../actions/index.ts";
import { Bus, subjects, type Caller, type Envelope, type Heartbeat, type Reply } from "../bus/index.ts";
import { HiveError, unavailable } from "../errors/index.ts";
import { mergeReplies } from "./fanout-merge.ts";
import { place } from "./placement.ts";

/** The nodes a fan-out should hear from, and for how long to wait for them. */
export interface NodeSource {
  live(): Promise<Heartbeat[]>;
  deadlineMs(): number;
  /** Every member of the region, heard from or not (a box on its own: none, or itself). */
  members?(): string[];
}

export interface DispatchDeps {
  bus: Bus;
  nodes: NodeSource;
  log: (line: string) => void;
  /** This gateway's own node: placement prefers it among equals. */
  self?: string;
  /** How long a single-node request waits for its daemon; default 60 s. */
  requestTimeoutMs?: number;
}

export interface ActionCall {
  service: ServiceName;
  action: string;
  input: Record<string, unknown>;
  caller: Caller;
  region: string;
  requestId: string;
}

export type Dispatch = (call: ActionCall) => Promise<Record<string, unknown>>;

export function dispatcher(deps: DispatchDeps): Dispatch {
  return async (call) => {
    const spec = actionSpec(call.service, call.action);
    if (!spec) throw new HiveError({ kind: "Unsupported", message: `The action ${call.action} is not supported by Hive yet.` });
    const subject = Bus.actionSubject(call.service, call.action);
    const env: Envelope = { requestId: call.requestId, caller: call.caller, region: call.region, input: call.input };
    const travel = spec.travel;
    if (travel.kind === "placed") return place(deps, call, env, deps.self);
    if (travel.kind === "any") {
      return (await deps.bus.request<Record<string, unknown>>(subject, env, deps.requestTimeoutMs ?? 60_000)) ?? {};
    }
    if (travel.kind === "region") return toRegionWriter(deps, call, env);
    return fanOut(deps, spec, subject, env, call);
  };
}

const REGION_WRITE_TIMEOUT_MS = 15_000;

/** A region-wide change goes to the hub; a box cut off from it says so instead of changing its copy alone. */
async function toRegionWriter(deps: DispatchDeps, call: ActionCall, env: Envelope): Promise<Record<string, unknown>> {
  const subject = subjects.regionAction(call.service, call.action);
  try {
    // Region-wide changes are quick rows on the hub; a long wait means a link not yet known dead.
    return (await deps.bus.request<Record<string, unknown>>(subject, env, Math.min(deps.requestTimeoutMs ?? 60_000, REGION_WRITE_TIMEOUT_MS))) ?? {};
  } catch (err) {
    if (err instanceof HiveError && err.kind === "Unavailable") {
      throw unavailable(
        `${call.action} changes region-wide state, which only the region's hub writes, and the hub cannot be reached from this box right now (${err.message}). ` +
          "Reads, and this box's own instances, keep working; try again when the link to the hub is back.",
      );
    }
    throw err;
  }
}

async function fanOut(deps: DispatchDeps, spec: ActionSpec, subject: string, env: Envelope, call: ActionCall): Promise<Record<string, unknown>> {
  const nodes = (await deps.nodes.live()).map((hb) => hb.node);
  const deadlineMs = deps.nodes.deadlineMs();
  // Members this box does not hear (cut off, or down) are not waited for, but what they may hold is not denied:
  // an id no answering node holds is Unavailable while such a member exists, never NotFound.
  const unheard = (deps.nodes.members?.() ?? []).filter((m) => !nodes.includes(m));
  // `nodes` tells a daemon whether it answers alone, and so may judge unknown ids itself before acting.
  const { replies, missing: silent } = await deps.bus.fanOut(subject, { ...env, nodes: Math.max(1, nodes.length + unheard.length) }, { nodes, deadlineMs });
  const missing = [...silent, ...unheard];
  if (replies.length === 0) {
    throw unavailable(nodes.length ? `no node answered ${subject} within ${deadlineMs} ms (expected ${nodes.join(", ")})` : `no node is serving ${subject}`);
  }
  if (missing.length > 0) {
    deps.log(`request ${call.requestId} ${subject}: no reply from ${missing.join(", ")} within ${deadlineMs} ms; answering from ${replies.length} node(s)`);
  }
  return mergeReplies(spec.travel, replies.map(unwrap), call.input, missing);
}

function unwrap(reply: Reply): Record<string, unknown> {
  if (!reply.ok) throw HiveError.fromJSON(reply.error);
  return (reply.output ?? {}) as Record<string, unknown>;
}
