/**
 * A read from the stream, folded as it arrives: it keeps the newest `keepPages` pages of
 * events and folds each older page into its state as the next one fills, so a read that
 * starts at a snapshot far behind the cursor (tens of thousands of events at 1,000,000)
 * holds a window's worth of events, never the whole read. The window keeps only that many
 * pages of a read anyway. Each SPARSE_PAGES-page boundary it folds past is noted (the
 * newest `maxSparse` of them: a read of 300,000 events must not hold 30 states), so the
 * window can keep a checkpoint there as it would have had it held the pages.
 */
import { StateDraft, eventOf, type ClusterState } from "@ovl/domain";
import type { EventItem, ReadStart } from "@ovl/client";
import { itemSeq } from "../format.js";
import { alignDown } from "./window-plan.js";

/** A read from the stream: the fold at `seq` and the events after it up to `to`. */
export interface Segment {
  readonly seq: number;
  readonly state: ClusterState;
  readonly to: number;
  readonly items: readonly EventItem[];
  /** States at the sparse boundaries the read folded past without keeping their events. @default none */
  readonly sparse?: readonly ReadStart[];
}

export class SegmentBuilder {
  private items: EventItem[] = [];
  /** Where each kept page starts: its boundary and the index of its first item. */
  private pages: Array<{ readonly boundary: number; index: number }> = [];
  private readonly draft: StateDraft;
  private seq: number;
  private readonly sparse: ReadStart[] = [];

  constructor(
    start: ReadStart,
    private readonly page: number,
    private readonly keepPages: number,
    private readonly sparseEvery: number,
    private readonly maxSparse: number = Infinity,
  ) {
    this.seq = start.seq;
    this.draft = new StateDraft(start.state);
  }

  add = (item: EventItem): void => {
    const seq = itemSeq(item);
    if (seq <= this.seq) return;
    const boundary = alignDown(seq - 1, this.page);
    const newest = this.pages[this.pages.length - 1];
    if (!newest || boundary > newest.boundary) this.pages.push({ boundary: Math.max(boundary, this.seq), index: this.items.length });
    this.items.push(item);
    if (this.pages.length > this.keepPages) this.foldOldest();
  };

  /** Folds the oldest kept page into the state: the segment then starts at the next page. */
  private foldOldest(): void {
    const { boundary, index: cut } = this.pages[1]!;
    for (let i = 0; i < cut; i++) {
      const item = this.items[i]!;
      if (item.ok) this.draft.apply(eventOf(item.event), item.event);
    }
    this.items.splice(0, cut);
    this.pages.shift();
    for (const p of this.pages) p.index -= cut;
    this.seq = boundary;
    if (this.seq % this.sparseEvery !== 0) return;
    this.sparse.push({ seq: this.seq, state: this.draft.state });
    if (this.sparse.length > this.maxSparse) this.sparse.shift(); // the newest are nearest the pages kept
  }

  finish(to: number): Segment {
    return { seq: this.seq, state: this.draft.state, to, items: this.items, sparse: this.sparse };
  }
}
