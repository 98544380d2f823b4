/**
 * Reads for the history window (store/window-plan.ts says which): forward from the state
 * the window holds at its end, or from the nearest snapshot in OVL_SNAPSHOTS at or before
 * the start asked for (or a state the window keeps in memory, when nearer), keeping every
 * event read from there (they are read anyway).
 */
import type { NatsConnection } from "nats";
import type { ClusterState } from "@ovl/domain";
import { readRange, snapshotAndEvents, type EventItem } from "@ovl/client";
import type { Segment } from "./history.js";

export interface PageRequest {
  readonly from: number;
  readonly to: number;
  /** The state at `from` when the window has it; null: start from a snapshot. */
  readonly state: ClusterState | null;
  /** A state held in memory at or before `from`: read from it when no snapshot is nearer. */
  readonly held?: { readonly seq: number; readonly state: ClusterState };
}

export type Pager = (req: PageRequest) => Promise<Segment>;

export function historyPager(nc: NatsConnection, log: (line: string) => void = () => undefined): Pager {
  return async ({ from, to, state, held }) => {
    if (state === null) return snapshotAndEvents(nc, from, to, log, held);
    const items: EventItem[] = [];
    await readRange(nc, from + 1, to, (i) => items.push(i), log);
    return { seq: from, state, to, items };
  };
}
