// Placement of what a placed action makes (RunInstances, CreateVolume): every live node says how much of the call it
// could hold, the gateway picks (one node with room for the whole call, the roomiest first and the caller's own box
// among equals; else the call spread over several), and sends each part to its node. A node that has lost its room
// by then says so, and its share goes to the next; a RunInstances that ends below MinCount is rolled back whole.
// A ClientToken makes a call idempotent on the node that takes it whole; a call spread over several nodes is not
// (its parts carry none), which the docs say.
import type { Instance, Reservation } from "@aws-sdk/client-ec2";
import { subjects, type Envelope, type Room } from "../bus/index.ts";
import { capacityExhausted, HiveError, unavailable } from "../errors/index.ts";
import { newId } from "../runtime/index.ts";
import type { ActionCall, DispatchDeps } from "./dispatch.ts";

interface NodeRoom {
  node: string;
  fits: number;
  holdsToken: boolean;
}

/** How many times a part is placed again after its node turned out to be full. */
const REPLACEMENTS = 3;

export async function place(deps: DispatchDeps, call: ActionCall, env: Envelope, self: string | undefined): Promise<Record<string, unknown>> {
  const rooms = await askRooms(deps, call, env, self);
  const send = (node: string, e: Envelope) =>
    deps.bus.request<Record<string, unknown>>(subjects.placedAction(node, call.service, call.action), e, deps.requestTimeoutMs ?? 60_000);
  // A retried call with its ClientToken goes back where it was made: that node answers with what it made then.
  const again = rooms.find((r) => r.holdsToken);
  if (again) return send(again.node, env);
  if (call.action !== "RunInstances") {
    // One thing made: the roomiest node, or (none has room) one that will say why.
    const pick = rooms.find((r) => r.fits > 0) ?? rooms.find((r) => r.node === self) ?? rooms[0];
    if (!pick) throw unavailable(`no node is serving ${call.service}.${call.action}`);
    return send(pick.node, env);
  }
  return runSpread(deps, call, env, rooms, send);
}

async function askRooms(deps: DispatchDeps, call: ActionCall, env: Envelope, self: string | undefined): Promise<NodeRoom[]> {
  const nodes = (await deps.nodes.live()).map((hb) => hb.node);
  const { replies } = await deps.bus.fanOut<Room>(subjects.placeQuery(call.service, call.action), env, { nodes, deadlineMs: deps.nodes.deadlineMs() });
  return replies
    .filter((r): r is Extract<typeof r, { ok: true }> => r.ok)
    .map((r) => ({ node: r.node, fits: Math.max(0, Math.floor(r.output.fits)), holdsToken: r.output.holdsToken === true }))
    .sort((a, b) => b.fits - a.fits || Number(b.node === self) - Number(a.node === self) || a.node.localeCompare(b.node));
}

async function runSpread(
  deps: DispatchDeps,
  call: ActionCall,
  env: Envelope,
  rooms: NodeRoom[],
  send: (node: string, e: Envelope) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const input = call.input as { MinCount?: number; MaxCount?: number; InstanceType?: string; LaunchTemplate?: unknown };
  const min = input.MinCount ?? 1;
  const max = input.MaxCount ?? min;
  // A node with room for the whole call takes it alone. Bad counts, and a call the region has no room for, go whole
  // to one node too: it answers with EC2's checks first (an unknown AMI is InvalidAMIID.NotFound, not a lack of room).
  const total = rooms.reduce((n, r) => n + r.fits, 0);
  const badCounts = !(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min);
  if (badCounts || rooms.length === 0 || rooms[0]!.fits >= max || total < min) {
    const node = rooms[0]?.node;
    if (!node) throw unavailable(`no node is serving ${call.service}.${call.action}`);
    return send(node, env);
  }
  const reservationId = newId("r");
  const made: Reservation[] = [];
  const full = new Set<string>();
  let placed = 0;
  for (let round = 0; round <= REPLACEMENTS && placed < max; round++) {
    for (const room of rooms) {
      if (placed >= max) break;
      if (full.has(room.node) || room.fits <= 0) continue;
      const count = Math.min(room.fits, max - placed);
      // A part carries no ClientToken: a retry of a call rolled back below MinCount must not find its terminated parts.
      const { ClientToken: _token, ...rest } = call.input as Record<string, unknown>;
      const part: Envelope = { ...env, input: { ...rest, MinCount: count, MaxCount: count }, placement: { reservationId, firstIndex: placed } };
      try {
        const r = (await send(room.node, part)) as Reservation;
        made.push(r);
        placed += r.Instances?.length ?? 0;
        room.fits -= r.Instances?.length ?? 0;
      } catch (err) {
        if (err instanceof HiveError && (err.kind === "CapacityExhausted" || err.kind === "Unavailable")) {
          full.add(room.node);
          continue;
        }
        await rollBack(deps, env, made);
        throw err;
      }
    }
    if (placed < max && rooms.every((r) => full.has(r.node) || r.fits <= 0)) break;
  }
  if (placed < min) {
    await rollBack(deps, env, made);
    // A launch template may name the type; the nodes counted with it, the message does without.
    const type = input.InstanceType ?? (input.LaunchTemplate ? undefined : "t3.micro");
    throw capacityExhausted(`We currently do not have sufficient ${type ? `${type} ` : ""}capacity in the region: ${placed} of the ${min} requested fit on its ${rooms.length} live member(s).`);
  }
  const instances: Instance[] = made.flatMap((r) => r.Instances ?? []);
  return { ...(made[0] as Record<string, unknown>), ReservationId: reservationId, Instances: instances };
}

/** Terminates what the parts made, so that a call below MinCount leaves nothing running. */
async function rollBack(deps: DispatchDeps, env: Envelope, made: Reservation[]): Promise<void> {
  const ids = made.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).filter((id): id is string => !!id);
  if (ids.length === 0) return;
  const nodes = (await deps.nodes.live()).map((hb) => hb.node);
  await deps.bus.fanOut(subjects.action("ec2", "TerminateInstances"), { ...env, input: { InstanceIds: ids }, nodes: Math.max(1, nodes.length) }, { nodes, deadlineMs: deps.nodes.deadlineMs() });
  deps.log(`request ${env.requestId}: RunInstances fell below MinCount across the region; terminated ${ids.join(", ")}`);
}
