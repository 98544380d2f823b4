/**
 * A decision asked of the coordinators on the agent's report subjects, answered as soon as
 * this agent knows it: by the coordinator's reply, or by the decision's event in the agent's
 * own fold, whichever comes first. For a reservation the event usually does: JetStream
 * hands it to the agents as it stores it, before the coordinator has the append's ack and
 * replies, and folding it starts a reconcile whose processes hold the event loop (spawning
 * is synchronous) for tens of milliseconds, more on a loaded machine, while the reply waits
 * unread. Either way the address is the coordinator's, and in the history.
 */
import type { ClusterState } from "@ovl/domain";
import type { DoorReply, DoorReport } from "./driver.js";
import type { FoldSignal } from "./folded.js";
import type { Trace } from "./trace.js";

export type DecisionKind = DoorReport | "container";
export type Decide = (kind: DecisionKind, body: Record<string, unknown>) => Promise<DoorReply>;

export interface DeciderDeps {
  /** Sends the request and resolves with the coordinator's reply (or its refusal). */
  readonly ask: (kind: DecisionKind, body: Record<string, unknown>) => Promise<DoorReply>;
  readonly fold: FoldSignal;
  readonly state: () => ClusterState;
  /** The sequence of the last event the agent folded. */
  readonly seq: () => number;
  readonly trace: Trace;
  /** How long to wait for the fold to hold a decision the coordinator replied. */
  readonly foldWaitMs: number;
  /** How long a decision may take at most (the request's own deadline). */
  readonly decideMs: number;
}

/**
 * The decision a request's body names, as the fold holds it (pure): a reservation is the
 * container of its fresh name on its node, held by the IPAM. Null when the fold does not
 * hold it (yet), and for the other kinds, whose names are not fresh: a record of that name
 * may be an earlier one.
 */
export function foldedDecision(state: ClusterState, kind: DecisionKind, body: Record<string, unknown>, seq: number): DoorReply | null {
  if (kind !== "docker-reserve" || typeof body["node"] !== "string" || typeof body["name"] !== "string") return null;
  const c = state.nodes[body["node"]]?.containers[body["name"]];
  return c && c.origin === "docker-ipam" ? { ip: c.ip, seq } : null;
}

export function decider(d: DeciderDeps): Decide {
  return async (kind, body) => {
    // Traced on its own: the trace shows how long the reply took even when the fold came first.
    const asked = d.trace(`${kind}: coordinator's reply`, () => d.ask(kind, body));
    const folded = d.fold.value(() => foldedDecision(d.state(), kind, body, d.seq()), d.decideMs, asked);
    // A refusal has no event: the reply's error is the answer, as is the reply that comes first.
    const first = Promise.race([asked, folded.then((r) => r ?? asked)]);
    const reply = await d.trace(`${kind}: decided (reply or fold, the first)`, () => first);
    // Later calls (Join, a release) read the fold: it must hold this decision first.
    await d.trace(`${kind}: fold wait`, () => d.fold.until(() => d.seq() >= reply.seq, d.foldWaitMs));
    return reply;
  };
}
