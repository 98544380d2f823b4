/**
 * What the screen shows, held outside React: the history (and its fold), the latest
 * heartbeat per node and the state of the connection. Writers change it as often as
 * messages arrive; readers are told at most once per `frameMs` (a burst of 10,000 events
 * is a few notifications, never a React update per event).
 */
import type { ClusterState, CoordinatorBeat, Heartbeat } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { History, MAX_SPARSE, SPARSE_PAGES } from "./history.js";
import type { Pager } from "./pager.js";
import { planLoad } from "./window-plan.js";

export type LinkPhase = "connecting" | "loading" | "live" | "down";

export interface Link {
  readonly phase: LinkPhase;
  /** Words for the header: the server, the error, what is being waited for. */
  readonly detail: string;
  /** When the phase began (ms since epoch). */
  readonly since: number;
}

/** @default 50 (20 frames per second at most) */
export const FRAME_MS = 50;

export class ClusterStore {
  readonly history: History;
  readonly heartbeats = new Map<string, Heartbeat>();
  /** The latest presence beat of each coordinator, by id. */
  readonly coordinators = new Map<string, CoordinatorBeat>();
  link: Link = { phase: "connecting", detail: "", since: Date.now() };
  /** Bumped on every notification; React reads it as the snapshot. */
  version = 0;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly frameMs: number = FRAME_MS, history: History = new History()) {
    this.history = history;
  }

  appendEvents(items: readonly EventItem[]): void {
    if (this.history.append(items) === 0) return;
    this.changed();
    if (!this.history.attached) this.pump();
  }

  #pager: Pager | null = null;
  /** A read for the window is under way (one at a time). */
  paging = false;
  /** The read that last failed or brought nothing: not tried again until the focus or the tip moves. */
  #stuck = "";
  /**
   * Whether a notification has told the screen the link is live. Until then a live screen
   * (no focus) reads nothing behind its window: the pages before the snapshot it opened from
   * are for scrolling back, and reading them (another snapshot, thousands of events) held up
   * the first live frame by a second on a busy machine.
   */
  #liveShown = false;
  #afterLive: ReturnType<typeof setTimeout> | undefined;

  setPager(pager: Pager | null): void {
    this.#pager = pager;
    this.pump();
  }

  /**
   * Where the screen looks (a sequence; null: live). The window reads what it lacks around
   * it, one read at a time; a focus that moves while a read runs (a burst of keys) is taken
   * up when it ends, so the burst costs one more read, not one per key.
   */
  focusOn(seq: number | null): void {
    const h = this.history;
    if (h.focus === seq) return;
    h.direction = seq === null || h.focus === null ? 0 : Math.sign(seq - h.focus);
    h.focus = seq;
    this.pump();
  }

  private pump(): void {
    if (this.paging || this.#pager === null) return;
    const h = this.history;
    const plan = planLoad(h.view, h.focus, { page: h.page, maxPages: h.maxPages });
    if (plan && h.focus === null && !this.#liveShown && plan.to <= h.view.start) return;
    const key = plan && `${plan.from}-${plan.to}-${h.focus}-${h.view.start}-${h.view.end}`;
    if (plan === null || key === this.#stuck) return;
    const state = plan.fromWindow ? h.stateAt(plan.from) : null;
    const held = state ? undefined : h.nearestHeld(plan.from);
    this.paging = true;
    this.changed();
    const shape = { page: h.page, keepPages: h.maxPages, sparseEvery: h.page * SPARSE_PAGES, maxSparse: MAX_SPARSE };
    void this.#pager({ from: plan.from, to: plan.to, state, ...(held ? { held } : {}) }, shape)
      .then((seg) => {
        const before = `${h.view.start}-${h.view.end}`;
        h.insert(seg);
        this.#stuck = before === `${h.view.start}-${h.view.end}` ? key! : "";
      })
      .catch(() => (this.#stuck = key!)) // moving the cursor again retries
      .finally(() => {
        this.paging = false;
        this.changed();
        this.pump();
      });
  }

  /** Starts the history again from a snapshot of the fold at `seq`. */
  rebase(seq: number, state: ClusterState): void {
    this.history.rebase(seq, state);
    this.changed();
    this.pump();
  }

  putHeartbeat(hb: Heartbeat): void {
    const known = this.heartbeats.get(hb.node);
    if (known && known.time > hb.time) return; // an older beat replayed from the stream
    this.heartbeats.set(hb.node, hb);
    this.changed();
  }

  putCoordinatorBeat(beat: CoordinatorBeat): void {
    const known = this.coordinators.get(beat.id);
    if (known && known.time > beat.time) return;
    this.coordinators.set(beat.id, beat);
    this.changed();
  }

  setLink(phase: LinkPhase, detail = ""): void {
    if (this.link.phase === phase && this.link.detail === detail) return;
    this.link = { phase, detail, since: Date.now() };
    this.changed();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Coalesces changes into one notification per frame. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.version++;
      for (const l of this.listeners) l();
      if (this.#liveShown || this.link.phase !== "live") return;
      this.#liveShown = true;
      // A frame later: the screen (which writes at most once a frame) has drawn the live state.
      this.#afterLive = setTimeout(() => this.pump(), this.frameMs);
    }, this.frameMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.#afterLive);
    this.timer = undefined;
    this.listeners.clear();
  }
}
