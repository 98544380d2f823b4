/**
 * The decisions of the history window, pure: which range of the stream to read next so
 * that the window holds the sequence in focus with MARGIN_PAGES on each side (read ahead
 * of the cursor, so a step rarely waits), and which end to drop when it holds too many
 * pages: behind the travel, so that a read from a snapshot (up to ten pages) serves the
 * next steps instead of being dropped.
 *
 * Pages are aligned on multiples of the page size, so checkpoints from different reads
 * fall on the same sequences and a read from a snapshot (taken every 10,000 events) lines
 * up with them.
 */

export interface WindowView {
  /** The sequence the window's oldest checkpoint is at (the fold of everything up to it). */
  readonly start: number;
  /** The last sequence the window holds (start when it holds no event). */
  readonly end: number;
  /** The live tip: the last sequence read from the stream. */
  readonly last: number;
}

export interface WindowOptions {
  /** Events per page (between two checkpoints). */
  readonly page: number;
  /** Checkpoints held at most; the window holds about this many pages. */
  readonly maxPages: number;
}

/**
 * A read: the events `from`+1..`to`. `fromWindow`: the state at `from` is the window's own
 * (a read forward from its end); otherwise the reader starts from the nearest snapshot at
 * or before `from` and keeps every event it reads from there.
 */
export interface LoadPlan {
  readonly from: number;
  readonly to: number;
  readonly fromWindow: boolean;
}

/** Pages held ahead of the focus, read before the cursor gets there. @default 2 */
export const MARGIN_PAGES = 2;
/** Pages read at a time forward from the window's end. @default 4 */
export const FORWARD_PAGES = 4;

/** The page boundary at or below `seq`. */
export const alignDown = (seq: number, page: number): number => Math.max(0, Math.floor(seq / page) * page);

/** The read that brings `focus` (null: live) into the window with its margin, or null when nothing is missing. */
export function planLoad(w: WindowView, focus: number | null, o: WindowOptions): LoadPlan | null {
  if (w.last <= 0) return null;
  const f = Math.min(Math.max(focus ?? w.last, 0), w.last);
  const reach = Math.max(1, o.maxPages - 2) * o.page;
  if (f < w.start) {
    if (w.start - f > reach) return jump(f, w.last, o.page);
    return { from: alignDown(Math.max(0, f - 1), o.page), to: w.start, fromWindow: false };
  }
  if (f > w.end) {
    if (f - w.end > reach) return jump(f, w.last, o.page);
    return forward(w, Math.max(f, w.end), o.page);
  }
  // Inside: keep a margin so that the next steps find their events held.
  const margin = MARGIN_PAGES * o.page;
  if (f - w.start < margin && w.start > 0) return { from: alignDown(w.start - 1, o.page), to: w.start, fromWindow: false };
  if (w.end - f < margin && w.end < w.last) return forward(w, w.end, o.page);
  return null;
}

/** A read from the window's end, FORWARD_PAGES past `from`'s page (not past the tip). */
function forward(w: WindowView, from: number, page: number): LoadPlan {
  return { from: w.end, to: Math.min(w.last, alignDown(from, page) + FORWARD_PAGES * page), fromWindow: true };
}

/** A read far from the window: the page of `f` and one on each side, from the nearest snapshot. */
function jump(f: number, last: number, page: number): LoadPlan {
  const at = alignDown(Math.max(0, f - 1), page);
  return { from: Math.max(0, at - page), to: Math.min(last, at + 2 * page), fromWindow: false };
}

/**
 * Which end to drop when the window holds too many pages. Live (null): the oldest. Travelling
 * back (`direction` < 0): the newest while more than the margin is held ahead; forward: the
 * oldest while more than the margin is held behind; standing: the end farther from the focus.
 */
export function dropSide(w: WindowView, focus: number | null, direction: number, page: number): "oldest" | "newest" {
  if (focus === null) return "oldest";
  const keep = (MARGIN_PAGES + 1) * page;
  if (direction < 0) return w.end - focus > keep ? "newest" : "oldest";
  if (direction > 0) return focus - w.start > keep ? "oldest" : "newest";
  return focus - w.start >= w.end - focus ? "oldest" : "newest";
}
