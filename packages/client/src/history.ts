/**
 * States of the cluster at points of the history: the nearest snapshot at or before the
 * first point (state-at.ts: the one snapshot mechanism), then one read forward that hands
 * out the state at each later point, so `ovl diff A B` loads one snapshot and reads A..B once.
 */
import type { NatsConnection } from "nats";
import { StateDraft, emptyState, eventOf, type ClusterState } from "@ovl/domain";
import { streamFacts } from "./snapshots.js";
import { readRange, stateAt } from "./state-at.js";

/** The state after each of `seqs` (0: before the first event; past the end: the last), by sequence. */
export async function statesAt(nc: NatsConnection, seqs: readonly number[], log: (line: string) => void = () => undefined): Promise<Map<number, ClusterState>> {
  const out = new Map<number, ClusterState>();
  const facts = await streamFacts(nc);
  const wanted = [...new Set(seqs)].sort((a, b) => a - b);
  const first = wanted.find((s) => s > 0);
  for (const s of wanted) if (s <= 0) out.set(s, emptyState);
  if (first === undefined) return out;
  const start = await stateAt(nc, first, log, facts);
  const draft = new StateDraft(start.state);
  let at = start.seq;
  for (const s of wanted.filter((w) => w > 0)) {
    const target = Math.min(s, facts.lastSeq);
    if (target > at) {
      await readRange(nc, at + 1, target, (item) => {
        if (item.ok) draft.apply(eventOf(item.event), item.event);
        else log(`skipped event ${item.seq} on ${item.subject}: ${item.error}`);
      }, log);
      at = target;
    }
    out.set(s, draft.state);
  }
  return out;
}
