// What an action declaration says: how the action travels over the bus and how the gateway merges the answers,
// with the SDK's input and output types carried along so the daemon's handler is checked against them.
import type { ActionRequest } from "../bus/index.ts";

/** The resource ids the caller names in `param`: each node lists the ones it holds in `_owned`; the rest are errors. */
export interface OwnedIds {
  param: string;
  /** When `param` lists structures: the member naming each one's resource (InstanceCreditSpecifications.N.InstanceId). */
  member?: string;
  /** The AWS error code for an id no node holds. */
  code: (id: string) => string;
  message: (ids: string[]) => string;
  /** Ids no node holds become entries of this output list (AWS's Unsuccessful… lists) instead of failing the call. */
  unknownAs?: { list: string; entry: (id: string) => Record<string, unknown> };
}

/** How the replies of every node are merged into one listing. */
export interface Merge {
  /** The output member holding the list. */
  list: string;
  /** What makes an item unique (and the sort order): a member name or a function of the item. */
  key: string | ((item: Record<string, unknown>) => string);
  /** Items of one key from several nodes are one item whose `combine` lists are joined (a reservation whose
   * instances placement spread over several boxes). Without it the first node's item wins. */
  combine?: { list: string; order: string };
  /** The action pages with MaxResults/NextToken (the codec checks MaxResults' bounds). */
  paginated?: boolean;
  /** Further lists of the output merged the same way and never paged (a Successful…/Unsuccessful… pair). */
  also?: readonly string[];
  /** Names the caller asked for by parameter (e.g. ZoneNames) that no node returned are an error. */
  named?: Array<{ param: string; field: string; message: (name: string) => string }>;
}

/**
 * How an action travels:
 * - `any`: one node of the worker queue group answers, the caller's own box first (region-wide state every box has a
 *   copy of, read locally; or the caller's box's own answer);
 * - `region`: the region's writer answers (the hub; a box on its own is its own hub): changes to region-wide state
 *   whose names or addresses must be unique in the region;
 * - `placed`: one node chosen to hold what the action makes (today: the first worker to take it);
 * - `every`: every live node answers and the gateway merges the listings (`owned`: ids named must exist);
 * - `owners`: every node acts on the ids it holds (`owned`); an optional list merges their per-id results;
 * - `owner`: the one node holding the named resource answers, and its reply is the answer.
 */
export type Travel =
  | { kind: "any" }
  | { kind: "region" }
  | { kind: "placed" }
  | { kind: "every"; merge: Merge; owned?: OwnedIds }
  | { kind: "owners"; owned: OwnedIds; merge?: Merge }
  | { kind: "owner"; owned: OwnedIds };

/** One action: how it travels, and (in the type only) the SDK's input and output. */
export interface ActionSpec<I = unknown, O = unknown> {
  readonly travel: Travel;
  /** Never set: carries I and O for the handler's type. */
  readonly types?: { input: I; output: O };
}

/** Declares an action with the SDK's request and result types: `declare<DescribeRegionsRequest, DescribeRegionsResult>(anyNode)`. */
export const declare = <I, O>(travel: Travel): ActionSpec<I, O> => ({ travel });

export const anyNode: Travel = { kind: "any" };
export const regionWriter: Travel = { kind: "region" };
export const placed: Travel = { kind: "placed" };

/** Whether the gateway asks every node (and so each node must say which ids it holds). */
export const fansOut = (t: Travel): t is Extract<Travel, { kind: "every" | "owners" | "owner" }> =>
  t.kind === "every" || t.kind === "owners" || t.kind === "owner";

export type InputOf<S> = S extends ActionSpec<infer I, unknown> ? I : never;
export type OutputOf<S> = S extends ActionSpec<unknown, infer O> ? O : never;

/** What a node answers: the SDK output, plus the ids it holds among those asked for when the action fans out. */
export type NodeOutput<O> = O & { _owned?: string[] };

/** The handler of an action: the envelope with the caller, the region and the declared input; the declared output. */
export type Handler<S> = (req: ActionRequest<InputOf<S>>) => NodeOutput<OutputOf<S>> | Promise<NodeOutput<OutputOf<S>>>;

/** A handler for every action of a service's catalogue, of the declared type. */
export type Handlers<C> = { [A in keyof C]: Handler<C[A]> };
