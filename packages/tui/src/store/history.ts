/**
 * The history as the TUI holds it: a window of the event stream (every item read, valid or
 * not, in sequence order) with a checkpoint of the fold at each page boundary inside it, and
 * the live fold at the tip. The state at any sequence in the window is the nearest
 * checkpoint at or before it plus at most a page of events folded through a StateDraft, the
 * same fold the coordinator and the agents use; never a refold of the window.
 *
 * The window is bounded (`maxPages` checkpoints): it slides. While live it ends at the tip
 * and the oldest pages go as events arrive; time travel moves its focus, reads the pages
 * around it from the stream (store/window-plan.ts decides which, store/pager.ts reads
 * them) and the pages farthest from the focus go. Events that arrive while the window is
 * away from the tip only move the live fold; it follows the tip again once a read reaches
 * it. States are immutable and share structure, so a checkpoint costs what changed.
 */
import { StateDraft, emptyState, eventOf, type ClusterState } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { itemSeq } from "../format.js";
import type { Segment } from "./segment.js";
import { alignDown, dropSide, type WindowView } from "./window-plan.js";

export type { Segment } from "./segment.js";

/** Events per page, between two checkpoints. @default 1000 */
export const PAGE_EVENTS = 1000;
/** Checkpoints (pages) held at most. @default 12 */
export const MAX_PAGES = 12;
/**
 * Every this many pages a checkpoint is also kept outside the window, so that travelling
 * back where the snapshots are sparse (older ones are thinned out) reads from the nearest
 * of these instead of from far back. @default 10
 */
export const SPARSE_PAGES = 10;
/** Such checkpoints held at most: those farthest from the focus go. @default 16 */
export const MAX_SPARSE = 16;


interface Checkpoint {
  readonly seq: number;
  /** Index of the first item after it. */
  index: number;
  readonly state: ClusterState;
}

export class History {
  private items: EventItem[] = [];
  private checkpoints: Checkpoint[] = [{ seq: 0, index: 0, state: emptyState }];
  /** Checkpoints kept beyond the window, oldest first. */
  private sparse: Array<{ readonly seq: number; readonly state: ClusterState }> = [];
  /** The live fold; sealed (`.state`) only when handed out, so catching up copies each map once. */
  private tip = new StateDraft(emptyState);
  private tipSeq = 0;
  /** The sequence time travel or the events view looks at; null: live. Set by the store. */
  focus: number | null = null;
  /** Which way the focus last moved (-1 back, 1 forward, 0 standing): the window keeps what lies that way. */
  direction = 0;

  constructor(readonly page: number = PAGE_EVENTS, readonly maxPages: number = MAX_PAGES) {}

  /** Starts again from the state at `seq` (a snapshot), holding no item. */
  rebase(seq: number, state: ClusterState): void {
    this.items = [];
    this.checkpoints = [{ seq, index: 0, state }];
    this.tip = new StateDraft(state);
    this.tipSeq = seq;
    this.sparse = [];
    this.keepSparse(seq, state);
  }

  /** The window's oldest checkpoint: the fold of everything up to it is held. */
  get base(): number {
    return this.checkpoints[0]!.seq;
  }
  /** The last sequence the window holds. */
  get end(): number {
    const last = this.items[this.items.length - 1];
    return last ? itemSeq(last) : this.base;
  }
  /** Whether the window reaches the live tip (arriving events go into it). */
  get attached(): boolean {
    return this.end === this.tipSeq;
  }
  get view(): WindowView {
    return { start: this.base, end: this.end, last: this.tipSeq };
  }
  get length(): number {
    return this.items.length;
  }
  get pages(): number {
    return this.checkpoints.length;
  }
  /** The live tip's sequence. */
  get lastSeq(): number {
    return this.tipSeq;
  }
  /** The oldest event held (0 when none). */
  get firstSeq(): number {
    const first = this.items[0];
    return first ? itemSeq(first) : 0;
  }
  /** The live fold. */
  get state(): ClusterState {
    return this.tip.state;
  }
  at(index: number): EventItem | undefined {
    return this.items[index];
  }
  /** The event at `seq`, when the window holds it. */
  item(seq: number): EventItem | undefined {
    const i = this.indexOf(seq);
    const it = i < 0 ? undefined : this.items[i];
    return it && itemSeq(it) === seq ? it : undefined;
  }

  /** Appends items from the live feed; one at or below the tip (a replay) is ignored. Returns how many were new. */
  append(batch: Iterable<EventItem>): number {
    let added = 0;
    for (const item of batch) {
      const seq = itemSeq(item);
      if (seq <= this.tipSeq) continue;
      if (this.attached) this.push(item, this.tip);
      if (item.ok) this.tip.apply(eventOf(item.event), item.event);
      this.tipSeq = seq;
      added++;
    }
    if (added) this.trim();
    return added;
  }

  /** Puts an item at the window's end, `before` folding everything before it: a checkpoint of it first when the item starts a page. */
  private push(item: EventItem, before: StateDraft): void {
    const boundary = alignDown(itemSeq(item) - 1, this.page);
    if (boundary > this.checkpoints[this.checkpoints.length - 1]!.seq) {
      const state = before.state;
      this.checkpoints.push({ seq: boundary, index: this.items.length, state });
      if (boundary % (this.page * SPARSE_PAGES) === 0) this.keepSparse(boundary, state);
    }
    this.items.push(item);
  }

  private keepSparse(seq: number, state: ClusterState): void {
    if (this.sparse.some((c) => c.seq === seq)) return;
    this.sparse = [...this.sparse, { seq, state }].sort((a, b) => a.seq - b.seq);
    const at = this.focus ?? this.tipSeq;
    while (this.sparse.length > MAX_SPARSE) {
      const first = this.sparse[0]!;
      const last = this.sparse[this.sparse.length - 1]!;
      if (Math.abs(at - first.seq) >= Math.abs(last.seq - at)) this.sparse.shift();
      else this.sparse.pop();
    }
  }

  /** The nearest state held at or before `seq` (a checkpoint in or beyond the window), for a read that starts there. */
  nearestHeld(seq: number): { readonly seq: number; readonly state: ClusterState } | undefined {
    let best: { readonly seq: number; readonly state: ClusterState } | undefined;
    for (const c of [...this.sparse, ...this.checkpoints]) if (c.seq <= seq && (!best || c.seq > best.seq)) best = c;
    return best;
  }

  /**
   * Takes a read in: in front of the window when it ends where the window starts, after it
   * when it starts inside it, and instead of it otherwise. Then drops the pages farthest
   * from the focus beyond the bound.
   */
  insert(seg: Segment): void {
    for (const c of seg.sparse ?? []) this.keepSparse(c.seq, c.state);
    const { start, end } = this.view;
    if (seg.seq < start && seg.to >= start && seg.to <= end) this.prependSegment(seg, start);
    else if (seg.seq >= start && seg.seq <= end && seg.to > end) this.appendSegment(seg, end);
    else if (seg.seq < start || seg.seq > end || seg.to > end) this.replace(seg);
    this.trim();
  }

  private prependSegment(seg: Segment, start: number): void {
    // Only the pages next to the window can stay: the front keeps the newest of them as it folds.
    const front = new History(this.page, this.maxPages);
    front.replace(seg, start, true);
    for (const c of front.sparse) this.keepSparse(c.seq, c.state);
    const shift = front.items.length;
    for (const c of this.checkpoints) c.index += shift;
    this.checkpoints = [...front.checkpoints, ...this.checkpoints];
    this.items = [...front.items, ...this.items];
  }

  private appendSegment(seg: Segment, end: number): void {
    const draft = new StateDraft(seg.state);
    for (const item of seg.items) {
      if (itemSeq(item) > end && itemSeq(item) <= this.tipSeq) this.push(item, draft);
      if (item.ok) draft.apply(eventOf(item.event), item.event);
    }
  }

  /** Holds `seg` alone, its events up to `limit` (the tip: the window never runs past it). */
  private replace(seg: Segment, limit: number = this.tipSeq, dropAsItGoes = false): void {
    this.items = [];
    this.checkpoints = [{ seq: seg.seq, index: 0, state: seg.state }];
    const draft = new StateDraft(seg.state);
    for (const item of seg.items) {
      if (itemSeq(item) <= seg.seq || itemSeq(item) > limit) continue;
      this.push(item, draft);
      if (item.ok) draft.apply(eventOf(item.event), item.event);
      if (dropAsItGoes && this.checkpoints.length > this.maxPages) this.dropOldest();
    }
  }

  /** Back to at most `maxPages` checkpoints: the pages farthest from the focus go. */
  trim(): void {
    while (this.checkpoints.length > this.maxPages) {
      if (dropSide(this.view, this.focus, this.direction, this.page) === "oldest") this.dropOldest();
      else this.items.length = this.checkpoints.pop()!.index;
    }
  }

  private dropOldest(): void {
    const cut = this.checkpoints[1]!.index;
    this.items.splice(0, cut);
    this.checkpoints.shift();
    for (const c of this.checkpoints) c.index -= cut;
  }

  /** Index of the last item with a sequence <= seq, or -1. */
  indexOf(seq: number): number {
    let lo = 0;
    let hi = this.items.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (itemSeq(this.items[mid]!) <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The cluster right after the event at `seq`, or null when the window does not hold it (not read yet). */
  stateAt(seq: number): ClusterState | null {
    if (seq >= this.tipSeq) return this.tip.state;
    if (seq < this.base || seq > this.end) return null;
    let lo = 0;
    for (let hi = this.checkpoints.length - 1; lo < hi; ) {
      const mid = (lo + hi + 1) >> 1;
      if (this.checkpoints[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    const cp = this.checkpoints[lo]!;
    const draft = new StateDraft(cp.state);
    for (let i = cp.index; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (itemSeq(item) > seq) break;
      if (item.ok) draft.apply(eventOf(item.event), item.event);
    }
    return draft.state;
  }
}
