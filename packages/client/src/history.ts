/**
 * States of the cluster at points of the history, each from the nearest snapshot at or
 * before it and the events up to it (state-at.ts: the one snapshot mechanism).
 */
import type { NatsConnection } from "nats";
import { emptyState, type ClusterState } from "@ovl/domain";
import { streamFacts } from "./snapshots.js";
import { stateAt } from "./state-at.js";

/** The state after each of `seqs` (0: before the first event), by sequence. */
export async function statesAt(nc: NatsConnection, seqs: readonly number[], log: (line: string) => void = () => undefined): Promise<Map<number, ClusterState>> {
  const out = new Map<number, ClusterState>();
  const facts = await streamFacts(nc);
  for (const seq of new Set(seqs)) out.set(seq, seq <= 0 ? emptyState : (await stateAt(nc, seq, log, facts)).state);
  return out;
}
