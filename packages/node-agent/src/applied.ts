/**
 * What the node has applied, for its heartbeat: the highest sequence every event up to which
 * its kernel and Docker reflect, and the append-to-applied times of its recent events.
 *
 * An event that matters to the node (it schedules a sync) is applied when a sync that
 * started after it was folded ends well; one that does not matter is applied once folded
 * (there is nothing to do for it). Events folded before the agent is ready (the history
 * read at start) wait for the first sync and give no latency: their append was long ago.
 */
import { applyLatencyOf, type ApplyReport } from "@ovl/domain";

/** Recent latencies kept for p50/p99. */
export const RECENT = 100;

export class AppliedTracker {
  #folded = 0;
  #applied = 0;
  /** Folded events waiting for a sync: [seq, append time in ms or null]. */
  #waiting: [number, number | null][] = [];
  #recent: number[] = [];
  #syncedOnce = false;

  /** An event of the history read before the agent is ready: the first sync applies it. */
  seen(seq: number): void {
    this.#folded = seq;
  }

  /** An event folded at `nowMs`; `appendMs`: its envelope's time, null to record no latency. */
  folded(seq: number, appendMs: number | null, needsSync: boolean, nowMs: number): void {
    this.#folded = seq;
    if (needsSync || !this.#syncedOnce || this.#waiting.length > 0) this.#waiting.push([seq, appendMs]);
    else this.#applyUpTo(seq, appendMs === null ? [] : [nowMs - appendMs]);
  }

  /** A sync starts: what it will have applied when it ends well. */
  syncStarting(): number {
    return this.#folded;
  }

  /** The sync that started at `upTo` ended well at `nowMs`. */
  synced(upTo: number, nowMs: number): void {
    this.#syncedOnce = true;
    const done: number[] = [];
    while (this.#waiting.length > 0 && this.#waiting[0]![0] <= upTo) {
      const [, appendMs] = this.#waiting.shift()!;
      if (appendMs !== null) done.push(nowMs - appendMs);
    }
    this.#applyUpTo(this.#waiting.length > 0 ? this.#waiting[0]![0] - 1 : this.#folded, done);
  }

  #applyUpTo(seq: number, latencies: readonly number[]): void {
    this.#applied = Math.max(this.#applied, seq);
    if (latencies.length === 0) return;
    this.#recent.push(...latencies.map((l) => Math.max(0, l)));
    if (this.#recent.length > RECENT) this.#recent.splice(0, this.#recent.length - RECENT);
  }

  get applied(): number {
    return this.#applied;
  }

  report(): ApplyReport {
    const applyMs = applyLatencyOf(this.#recent);
    return applyMs ? { appliedSeq: this.#applied, applyMs } : { appliedSeq: this.#applied };
  }
}
