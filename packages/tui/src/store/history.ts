/**
 * The history as the TUI holds it: every event item read (valid or not) in sequence
 * order, the live fold at the tip, and a snapshot of the fold every SNAPSHOT_EVERY
 * events so that the state at any past sequence is one snapshot plus at most
 * SNAPSHOT_EVERY-1 `applyStored` calls: scrubbing stays instant with 100,000 events.
 *
 * States are immutable and share structure, so a snapshot costs one reference.
 *
 * It starts at a base: empty, or a snapshot of the fold read from the stream (`rebase`),
 * so that opening the TUI on a long history reads only the events after that snapshot. It
 * holds at most `max` items: past that, the oldest `every` items go and the base moves up
 * to the in-memory snapshot after them, so memory follows the cluster, not the history.
 * Time travel further back puts older pages in front (`prepend`, read by store/pager.ts).
 */
import { applyStored, emptyState, type ClusterState } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { itemSeq } from "../format.js";

/** @default 1000 */
export const SNAPSHOT_EVERY = 1000;
/** Items held at most. @default 50000 */
export const WINDOW_ITEMS = 50_000;

export class History {
  private items: EventItem[] = [];
  /** snapshots[k] is the state after items[0 .. k*every-1]. */
  private snapshots: ClusterState[] = [emptyState];
  private tip: ClusterState = emptyState;
  /** The sequence the base (snapshots[0]) is at: the fold of everything up to it. */
  private baseSeq = 0;

  constructor(private readonly every: number = SNAPSHOT_EVERY, private readonly max: number = WINDOW_ITEMS) {}

  /** Starts again from the state at `seq` (a snapshot), holding no item. */
  rebase(seq: number, state: ClusterState): void {
    this.items = [];
    this.snapshots = [state];
    this.tip = state;
    this.baseSeq = seq;
  }

  /** The sequence the oldest state held is at (0: the beginning). */
  get base(): number {
    return this.baseSeq;
  }

  get length(): number {
    return this.items.length;
  }
  get lastSeq(): number {
    const last = this.items[this.items.length - 1];
    return last ? itemSeq(last) : this.baseSeq;
  }
  get firstSeq(): number {
    const first = this.items[0];
    return first ? itemSeq(first) : 0;
  }
  get state(): ClusterState {
    return this.tip;
  }
  at(index: number): EventItem | undefined {
    return this.items[index];
  }

  /** Appends items in order; an item at or below the last sequence (a replay) is ignored. Returns how many were added. */
  append(batch: Iterable<EventItem>): number {
    let added = 0;
    for (const item of batch) {
      if (itemSeq(item) <= this.lastSeq) continue;
      if (item.ok) this.tip = applyStored(this.tip, item.event);
      this.items.push(item);
      added++;
      if (this.items.length % this.every === 0) this.snapshots.push(this.tip);
      if (this.items.length >= this.max + this.every) this.dropOldest();
    }
    return added;
  }

  /**
   * Puts the page before the base in front: `items` are the events after `seq` up to the
   * base, `state` the fold at `seq` (time travel reading further back). Returns how many
   * items were added, by which every index moves.
   */
  prepend(seq: number, state: ClusterState, items: readonly EventItem[]): number {
    const page = items.filter((i) => itemSeq(i) > seq && itemSeq(i) <= this.baseSeq);
    if (page.length === 0) {
      this.baseSeq = seq; // nothing between: the same state
      return 0;
    }
    const snaps: ClusterState[] = [state];
    let at = state;
    page.forEach((item, i) => {
      if (item.ok) at = applyStored(at, item.event);
      if ((i + 1) % this.every === 0 && i + 1 < page.length) snaps.push(at);
    });
    if (page.length % this.every === 0) {
      this.snapshots = [...snaps, ...this.snapshots];
      this.items = [...page, ...this.items];
    } else {
      // The page does not end on a snapshot boundary: fold the whole window once more.
      this.items = [...page, ...this.items];
      this.snapshots = [state];
      at = state;
      this.items.forEach((item, i) => {
        if (item.ok) at = applyStored(at, item.event);
        if ((i + 1) % this.every === 0) this.snapshots.push(at);
      });
    }
    this.baseSeq = seq;
    return page.length;
  }

  /** Back to at most `max` items (after travelling far back): the oldest go. */
  trim(): void {
    while (this.items.length >= this.max + this.every) this.dropOldest();
  }

  /** Forgets the oldest `every` items: the base becomes the snapshot after them. */
  private dropOldest(): void {
    const gone = this.items.splice(0, this.every);
    this.baseSeq = itemSeq(gone[gone.length - 1]!);
    this.snapshots.shift();
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

  /** The cluster as it was right after the event at `seq` (a fold of everything up to it). */
  stateAt(seq: number): ClusterState {
    if (seq >= this.lastSeq) return this.tip;
    const count = this.indexOf(seq) + 1;
    const k = Math.min(Math.floor(count / this.every), this.snapshots.length - 1);
    let state = this.snapshots[k]!;
    for (let i = k * this.every; i < count; i++) {
      const item = this.items[i]!;
      if (item.ok) state = applyStored(state, item.event);
    }
    return state;
  }
}
