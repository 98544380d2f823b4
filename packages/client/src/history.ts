/**
 * States of the cluster at points of the history, folded from the first event with the
 * domain's fold (one pass for all the points). A reader with snapshots can start from the
 * nearest one instead; the result is the same state.
 */
import type { NatsConnection } from "nats";
import { StateDraft, emptyState, eventOf, type ClusterState } from "@ovl/domain";
import { readEvents } from "./events.js";

/** The state after each of `seqs` (0: before the first event), by sequence. */
export async function statesAt(nc: NatsConnection, seqs: readonly number[], log?: (line: string) => void): Promise<Map<number, ClusterState>> {
  const wanted = [...new Set(seqs)].sort((a, b) => a - b);
  const out = new Map<number, ClusterState>();
  const draft = new StateDraft(emptyState);
  let i = 0;
  const take = (upTo: number) => {
    while (i < wanted.length && wanted[i]! <= upTo) out.set(wanted[i++]!, draft.state);
  };
  take(0);
  const end = wanted[wanted.length - 1] ?? 0;
  if (i < wanted.length) {
    for await (const item of readEvents(nc, { since: 1, ...(log ? { log } : {}) })) {
      const seq = item.ok ? item.event.seq : item.seq;
      take(seq - 1);
      if (item.ok) draft.apply(eventOf(item.event), item.event);
      else log?.(`skipped invalid event seq ${item.seq}: ${item.error}`);
      if (seq >= end) break;
    }
  }
  take(Number.MAX_SAFE_INTEGER); // points past the last event: the state after it
  return out;
}
