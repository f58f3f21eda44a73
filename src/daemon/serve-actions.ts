// Serves every action of the catalogue on the bus with its handler: one worker answers what travels to any or a
// placed node (the queue group), every node answers what fans out, and the region's writer alone what changes
// region-wide state.
import { actionSpec, declaredActions, fansOut, handlerProblems, type ServiceHandlers } from "../actions/index.ts";
import { Bus, subjects as busSubjects, type ActionRequest, type Served } from "../bus/index.ts";
import type { PlacementRooms } from "./handlers.ts";

export interface ActionServer {
  readonly subjects: string[];
  /** Settles once every subscription is registered at the server: announce the node after it. */
  readonly ready: Promise<void>;
  /** Stops taking requests; in-flight handlers still reply. */
  close(): Promise<void>;
}

/** Throws at start if a declared action has no handler or a handler has no declaration (tsc catches both first). */
export function serveActions(
  bus: Bus,
  node: string,
  handlers: ServiceHandlers,
  log: (line: string) => void,
  opts: { writer: boolean; rooms: PlacementRooms },
): ActionServer {
  const problems = handlerProblems(handlers as unknown as Record<string, Record<string, unknown>>);
  if (problems.length > 0) throw new Error(`the daemon's handlers do not match the action catalogue: ${problems.join("; ")}`);
  const served: Served[] = [];
  const subjects: string[] = [];
  for (const [service, action] of declaredActions()) {
    const travel = actionSpec(service, action)!.travel;
    // Region-wide changes are made by the region's writer alone (the hub, or a box on its own).
    if (travel.kind === "region" && !opts.writer) continue;
    const subject = travel.kind === "region" ? busSubjects.regionAction(service, action) : Bus.actionSubject(service, action);
    const handler = (handlers[service] as Record<string, (req: ActionRequest) => unknown>)[action];
    if (travel.kind === "placed") {
      // Placement asks every node for its room, then sends the call to the node (or nodes) it chose.
      const room = opts.rooms[service]?.[action];
      if (!room) throw new Error(`the daemon has no placement room for ${service}.${action}`);
      const withInput = (env: unknown): ActionRequest => ({ ...(env as ActionRequest), input: (env as ActionRequest).input ?? {} });
      served.push(bus.serve(busSubjects.placeQuery(service, action), (env) => room(withInput(env)), { node, log }));
      served.push(bus.serve(busSubjects.placedAction(node, service, action), (env) => handler(withInput(env)), { node, log }));
      subjects.push(busSubjects.placedAction(node, service, action));
      continue;
    }
    // An action without parameters may arrive with no input at all.
    served.push(bus.serve(subject, (env) => handler({ ...(env as ActionRequest), input: env.input ?? {} }), { node, queue: !fansOut(travel), log }));
    subjects.push(subject);
  }
  return {
    subjects,
    ready: Promise.all(served.map((s) => s.ready)).then(() => undefined),
    close: async () => {
      await Promise.all(served.map((s) => s.close()));
    },
  };
}
