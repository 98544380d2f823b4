/**
 * The decider: commands are decided one after another against a speculative state (the
 * applied state plus our appends still in flight), and their events appended without
 * waiting for the previous acks, each expecting the sequence its decision assumed.
 *
 * How it works:
 * 1. `submit` answers a known request id from the requests table, joins a request with the
 *    same id already in flight, or queues a job.
 * 2. `pump` decides queued jobs against `spec` and appends their events (append.ts), up to
 *    `window` events in flight. A refusal or a no-op is a decision too: it is answered
 *    only once everything it was decided against is confirmed.
 * 3. The follower applies every stored event to the projection and calls `onApplied`. Our
 *    own event (same sequence and Nats-Msg-Id as the head of `pending`) confirms the
 *    jobs up to it; anything else means our in-flight appends will fail.
 * 4. `settle` answers confirmed jobs from the requests row the fold wrote (in memory until
 *    the next flush), so the reply is the one any coordinator would give for that id.
 * 5. On any failure (wrong last sequence: another coordinator appended; duplicate ack; a
 *    timeout) `recover` waits for the in-flight appends, catches the projection up to the
 *    stream, drops the speculative state and decides the unconfirmed jobs again, with
 *    backoff, at most `maxAttempts` times each.
 */
import {
  OvlError,
  OvlErrorCodes,
  StateDraft,
  decide,
  errorReply,
  okReply,
  subjects,
  type ClusterState,
  type CommandType,
  type OvlCommand,
  type OvlEvent,
  type Reply,
} from "@ovl/domain";
import type { JetStreamClient, JetStreamManager } from "nats";
import { append, describeFailure, msgIdFor } from "./append.js";
import type { Projection } from "./projection/store.js";

export type CommandBody = { [T in CommandType]: Omit<Extract<OvlCommand, { type: T }>, "metadata"> }[CommandType];

export interface JobSpec {
  readonly id: string;
  readonly command: CommandBody;
  /** The reply when the decision appends nothing (a repeated join, a stale report). */
  readonly noop: (state: ClusterState, seq: number) => unknown;
}

interface Job extends JobSpec {
  attempts: number;
  epoch: number;
  dependsOn: number;
  events: number;
  error: unknown;
  readonly waiters: ((reply: Reply) => void)[];
}

export interface PipelineDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly projection: Projection;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  /** Appends in flight at most. @default 256 */
  readonly window?: number;
  /** Decisions of one request before it is answered CONFLICT. @default 5 */
  readonly maxAttempts?: number;
  /** @default 5000 */
  readonly publishTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Pipeline {
  /** The applied state plus our appends in flight; null while it is the projection's own. */
  #spec: StateDraft | null = null;
  #specSeq: number;
  #pending: { seq: number; msgId: string }[] = [];
  #head = 0;
  #epoch = 0;
  #queue: Job[] = [];
  #waiting: Job[] = [];
  #confirmed: Job[] = [];
  #byId = new Map<string, Job>();
  #inflight = 0;
  #recovering = false;
  #failures = 0;
  #stopped = false;
  #pumpScheduled = false;
  #onProgress: (() => void) | null = null;
  readonly #window: number;
  readonly #maxAttempts: number;

  constructor(private readonly d: PipelineDeps) {
    this.#specSeq = d.projection.seq;
    this.#window = d.window ?? 256;
    this.#maxAttempts = d.maxAttempts ?? 5;
  }

  /** Requests known to this coordinator and not yet answered. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get idle(): boolean {
    return this.#byId.size === 0 && this.#inflight === 0;
  }

  submit(spec: JobSpec): Promise<Reply> {
    const known = this.#byId.get(spec.id);
    if (known) return new Promise((r) => known.waiters.push(r));
    const stored = this.d.projection.request(spec.id);
    if (stored?.reply != null) return Promise.resolve(okReply(stored.reply));
    if (this.#stopped) return Promise.resolve(errorReply(new OvlError(OvlErrorCodes.Unavailable, "the coordinator is stopping; retry")));
    const job: Job = { ...spec, attempts: 0, epoch: -1, dependsOn: 0, events: 0, error: undefined, waiters: [] };
    this.#byId.set(spec.id, job);
    this.#queue.push(job);
    this.#schedulePump();
    return new Promise((r) => job.waiters.push(r));
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#recovering && this.#queue.length > 0 && this.#pending.length - this.#head < this.#window) {
      this.#decide(this.#queue.shift()!);
    }
    if (this.#confirmed.length > 0) this.settle();
  }

  #decide(job: Job): void {
    // `submit` looked it up; a decision again (after a conflict) may find it applied meanwhile.
    const stored = job.attempts > 0 ? this.d.projection.request(job.id) : undefined;
    if (stored?.reply != null) return this.#answer(job, okReply(stored.reply));
    const time = this.d.now().toISOString();
    let events: OvlEvent[] = [];
    job.error = undefined;
    try {
      events = decide({ ...job.command, metadata: { now: time, requestId: job.id } } as OvlCommand, this.#spec?.peek ?? this.d.projection.state);
    } catch (err) {
      // A retry racing its own first attempt: that attempt's events (decided by another
      // coordinator, or before a broker restart) may have been applied since `submit` looked,
      // and then deciding again refuses ("already exists"). Its stored reply is the answer.
      const applied = this.d.projection.request(job.id);
      if (applied?.reply != null) return this.#answer(job, okReply(applied.reply));
      if (!(err instanceof OvlError)) this.d.log(`deciding ${job.command.type} ${job.id} failed: ${(err as Error).stack ?? err}`);
      job.error = err;
    }
    for (const event of events) this.#append(job, event, time);
    job.epoch = this.#epoch;
    job.dependsOn = this.#specSeq;
    job.events = events.length;
    this.#waiting.push(job);
    // Nothing in flight: the decision rests on applied events only.
    if (this.#pending.length === this.#head) this.#confirmUpTo(this.#specSeq);
  }

  #append(job: Job, event: OvlEvent, time: string): void {
    const expectSeq = this.#specSeq;
    const prev = this.#pending.length > this.#head ? this.#pending[this.#pending.length - 1]!.msgId : null;
    const msgId = msgIdFor(job.id, event);
    // The draft writes in place into the maps it copied: no copy of a node's containers per event.
    this.#spec ??= new StateDraft(this.d.projection.state);
    this.#spec.apply(event, { time });
    this.#specSeq += 1;
    this.#pending.push({ seq: this.#specSeq, msgId });
    this.#inflight += 1;
    const epoch = this.#epoch;
    const timeoutMs = this.d.publishTimeoutMs ?? 5000;
    append(this.d.js, event, { expectSeq, prevMsgId: prev, msgId, time, requestId: job.id, timeoutMs }).then(
      (ack) => {
        this.#settled();
        if (ack.duplicate || ack.seq !== expectSeq + 1) this.#fail(epoch, `append of ${msgId} was a duplicate of seq ${ack.seq}`);
      },
      (err) => {
        this.#settled();
        this.#fail(epoch, `append of ${msgId} at ${expectSeq + 1} failed: ${describeFailure(err)}`);
      },
    );
  }

  #settled(): void {
    this.#inflight -= 1;
    this.#onProgress?.();
  }

  /** The follower applied the event stored at `seq` (already in the projection). */
  onApplied(seq: number, msgId: string | null): void {
    this.#onProgress?.();
    if (this.#recovering) return;
    if (this.#pending.length > this.#head) {
      const head = this.#pending[this.#head]!;
      if (head.seq !== seq || head.msgId !== msgId) {
        this.#confirmUpTo(seq - 1);
        return this.#fail(this.#epoch, `event ${seq} (${msgId ?? "no id"}) was appended by another writer`);
      }
      this.#head += 1;
      if (this.#head === this.#pending.length) {
        this.#pending = [];
        this.#head = 0;
      }
    } else {
      this.#spec = null;
      this.#specSeq = seq;
    }
    this.#confirmUpTo(seq);
  }

  #confirmUpTo(seq: number): void {
    let n = 0;
    while (n < this.#waiting.length && this.#waiting[n]!.dependsOn <= seq && this.#waiting[n]!.epoch === this.#epoch) n++;
    if (n === 0) return;
    for (const job of this.#waiting.splice(0, n)) this.#confirmed.push(job);
    this.settle();
  }

  /**
   * Answers the confirmed jobs from the request rows the fold wrote, flushed or not: the
   * events are stored, so a rebuild after a crash would write the same rows.
   */
  settle(): void {
    if (this.#confirmed.length === 0) return;
    const jobs = this.#confirmed;
    this.#confirmed = [];
    for (const job of jobs) {
      const reply = this.#replyOf(job);
      if (reply) this.#answer(job, reply);
      else this.#queue.unshift(job);
    }
    if (jobs.length > 0) this.#failures = 0;
    this.#schedulePump();
  }

  #replyOf(job: Job): Reply | null {
    if (job.error !== undefined) return errorReply(job.error);
    const p = this.d.projection;
    if (job.events === 0) return okReply(job.noop(p.state, p.seq));
    const stored = p.request(job.id);
    if (stored?.reply != null) return okReply(stored.reply);
    this.d.log(`request ${job.id}: its events were applied but left no reply; deciding again`);
    return null;
  }

  #answer(job: Job, reply: Reply): void {
    this.#byId.delete(job.id);
    for (const w of job.waiters) w(reply);
  }

  #fail(epoch: number, why: string): void {
    if (epoch !== this.#epoch || this.#recovering || this.#stopped) return;
    this.d.log(`conflict: ${why}; catching up and deciding again`);
    this.#recovering = true;
    this.#epoch += 1;
    void this.#recover();
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done() && !this.#stopped) {
      await new Promise<void>((r) => {
        this.#onProgress = r;
        setTimeout(r, 200);
      });
      this.#onProgress = null;
    }
  }

  async #streamLastSeq(): Promise<number> {
    for (let i = 0; ; i++) {
      try {
        return (await this.d.jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq;
      } catch (err) {
        if (this.#stopped) return 0;
        this.d.log(`catching up: stream info failed: ${(err as Error).message}`);
        await sleep(Math.min(2000, 100 * 2 ** i));
      }
    }
  }

  async #recover(): Promise<void> {
    await this.#until(() => this.#inflight === 0);
    const last = await this.#streamLastSeq();
    await this.#until(() => this.d.projection.seq >= last);
    this.d.projection.flush();
    this.settle();
    const again = this.#waiting.splice(0);
    for (const job of again.reverse()) {
      job.attempts += 1;
      if (job.attempts >= this.#maxAttempts) {
        this.#answer(job, errorReply(new OvlError(OvlErrorCodes.Conflict, `request ${job.id} conflicted ${job.attempts} times with other coordinators; retry`)));
      } else this.#queue.unshift(job);
    }
    this.#pending = [];
    this.#head = 0;
    this.#failures += 1;
    await sleep(Math.round(Math.random() * 20 * 1.5 ** Math.min(this.#failures, 8)));
    // Taken after the backoff: the follower kept applying meanwhile.
    this.#spec = null;
    this.#specSeq = this.d.projection.seq;
    this.#recovering = false;
    this.#pump();
  }

  /** Stops taking requests; pending ones are answered UNAVAILABLE after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    const until = Date.now() + graceMs;
    while (!this.idle && Date.now() < until) await sleep(20);
    this.#stopped = true;
    this.#onProgress?.();
    const left = [...this.#byId.values()];
    for (const job of left) this.#answer(job, errorReply(new OvlError(OvlErrorCodes.Unavailable, "the coordinator stopped before deciding; retry")));
  }
}
