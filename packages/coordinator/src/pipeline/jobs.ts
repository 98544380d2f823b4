/**
 * The job table: every request this coordinator is deciding or has just answered, by id,
 * and where each stands, in decision order: queued (to decide) -> waiting (decided; what it
 * rests on not all confirmed yet) -> confirmed (to answer) -> answered.
 *
 * Why a table: one request id is one job from its submit until the projection holds its
 * events. A retry joins the job in flight, or gets the reply it was answered, instead of
 * being decided again; and queries wait until the projection includes every event answered
 * for (read your writes).
 */
import type { ClusterState, CommandType, OvlCommand, Reply } from "@ovl/domain";

export type CommandBody = { [T in CommandType]: Omit<Extract<OvlCommand, { type: T }>, "metadata"> }[CommandType];

export interface JobSpec {
  readonly id: string;
  readonly command: CommandBody;
  /** The reply when the decision appends nothing (a repeated join, a stale report). */
  readonly noop: (state: ClusterState, seq: number) => unknown;
}

export interface Job extends JobSpec {
  attempts: number;
  epoch: number;
  dependsOn: number;
  events: number;
  error: unknown;
  /** What the job's events' requests row says (null: an open row), or the no-op reply. */
  reply: unknown;
  /** Answered; kept in `byId` until the follower applied its events. */
  answered: boolean;
  waiters: ((reply: Reply) => void)[];
}

export class JobTable {
  #queue: Job[] = [];
  #waiting: Job[] = [];
  #confirmed: Job[] = [];
  #byId = new Map<string, Job>();
  /** Answered jobs whose events the follower has not applied yet, by last sequence. */
  #answered: Job[] = [];
  #answeredSeq = 0;
  /** Who waits for the projection to hold a sequence (queries: what was answered), by sequence. */
  #afterApplied: { seq: number; run: () => void }[] = [];

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): Job | undefined {
    return this.#byId.get(id);
  }

  /** A new job, queued after the others. */
  add(job: Job): void {
    this.#byId.set(job.id, job);
    this.#queue.push(job);
  }

  get queued(): number {
    return this.#queue.length;
  }

  nextQueued(): Job | undefined {
    return this.#queue.shift();
  }

  /** Queued again, ahead of the others (decided again after a conflict, or answered nothing). */
  requeue(job: Job): void {
    this.#queue.unshift(job);
  }

  decided(job: Job): void {
    this.#waiting.push(job);
  }

  /** Decided jobs not answered yet, taken out to be decided again (after a conflict). */
  takeWaiting(): Job[] {
    return this.#waiting.splice(0);
  }

  /** Moves the waiting jobs of `epoch` that rest on events up to `seq` only to confirmed; false when none. */
  confirmUpTo(seq: number, epoch: number): boolean {
    let n = 0;
    while (n < this.#waiting.length && this.#waiting[n]!.dependsOn <= seq && this.#waiting[n]!.epoch === epoch) n++;
    if (n === 0) return false;
    for (const job of this.#waiting.splice(0, n)) this.#confirmed.push(job);
    return true;
  }

  get hasConfirmed(): boolean {
    return this.#confirmed.length > 0;
  }

  takeConfirmed(): Job[] {
    const jobs = this.#confirmed;
    this.#confirmed = [];
    return jobs;
  }

  /** `keep`: stays known (a retry gets this reply) until the follower applied its events. */
  answer(job: Job, reply: Reply, keep: boolean): void {
    const waiters = job.waiters;
    job.waiters = [];
    if (keep) {
      job.answered = true;
      this.#answered.push(job);
      this.#answeredSeq = Math.max(this.#answeredSeq, job.dependsOn);
    } else this.#byId.delete(job.id);
    for (const w of waiters) w(reply);
  }

  /** The projection now holds `seq`: answered jobs up to it are its rows, queries may run. */
  forgetApplied(seq: number): void {
    let n = 0;
    while (n < this.#answered.length && this.#answered[n]!.dependsOn <= seq) n++;
    for (const job of this.#answered.splice(0, n)) if (this.#byId.get(job.id) === job) this.#byId.delete(job.id);
    n = 0;
    while (n < this.#afterApplied.length && this.#afterApplied[n]!.seq <= seq) n++;
    for (const q of this.#afterApplied.splice(0, n)) q.run();
  }

  /** Runs `fn` once the projection (at `appliedSeq` now) includes every event answered for, or after `maxWaitMs`. */
  afterApplied(fn: () => void, appliedSeq: number, stopped: boolean, maxWaitMs: number): void {
    this.whenApplied(this.#answeredSeq, fn, appliedSeq, stopped, maxWaitMs);
  }

  /** Runs `fn` once the projection (at `appliedSeq` now) holds `seq`, or after `maxWaitMs`. */
  whenApplied(seq: number, fn: () => void, appliedSeq: number, stopped: boolean, maxWaitMs: number): void {
    if (appliedSeq >= seq || stopped) return fn();
    // Bounded: a stream emptied behind our back (a broker restarted without its store) never gets there.
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(run, maxWaitMs);
    // Kept in order of sequence: `forgetApplied` runs them from the front.
    let i = this.#afterApplied.length;
    while (i > 0 && this.#afterApplied[i - 1]!.seq > seq) i--;
    this.#afterApplied.splice(i, 0, { seq, run });
  }

  /** Forgets every job: the ones not answered yet get `reply()`, waiting queries run. */
  close(reply: () => Reply): void {
    const left = [...this.#byId.values()].filter((job) => !job.answered);
    this.#byId.clear();
    this.#answered = [];
    for (const job of left) this.answer(job, reply(), false);
    for (const q of this.#afterApplied.splice(0)) q.run();
  }
}
