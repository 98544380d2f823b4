/**
 * Reads for the history window (store/window-plan.ts says which): forward from the state
 * the window holds at its end, or from the nearest snapshot in OVL_SNAPSHOTS at or before
 * the start asked for (or a state the window keeps in memory, when nearer), folding the
 * events as they arrive and keeping only the newest pages of them (store/segment.ts).
 */
import type { NatsConnection } from "nats";
import type { ClusterState } from "@ovl/domain";
import { readRange, snapshotAndEvents, type ReadStart } from "@ovl/client";
import { SegmentBuilder, type Segment } from "./segment.js";

export interface PageRequest {
  readonly from: number;
  readonly to: number;
  /** The state at `from` when the window has it; null: start from a snapshot. */
  readonly state: ClusterState | null;
  /** A state held in memory at or before `from`: read from it when no snapshot is nearer. */
  readonly held?: ReadStart;
}

/** How a read folds as it goes: it keeps `keepPages` pages of `page` events, and notes the state every `sparseEvery` (the newest `maxSparse`). */
export interface ReadShape {
  readonly page: number;
  readonly keepPages: number;
  readonly sparseEvery: number;
  readonly maxSparse: number;
}

export type Pager = (req: PageRequest, shape: ReadShape) => Promise<Segment>;

export function historyPager(nc: NatsConnection, log: (line: string) => void = () => undefined): Pager {
  return async ({ from, to, state, held }, shape) => {
    let builder: SegmentBuilder | undefined;
    const begin = (start: ReadStart) => (builder = new SegmentBuilder(start, shape.page, shape.keepPages, shape.sparseEvery, shape.maxSparse)).add;
    if (state === null) {
      const last = await snapshotAndEvents(nc, from, to, log, begin, held);
      return builder!.finish(last);
    }
    await readRange(nc, from + 1, to, begin({ seq: from, state }), log);
    return builder!.finish(to);
  };
}
