/**
 * Following a stream from a sequence, in order, each message once, across broker restarts.
 * Every follower of OVL_EVENTS uses it: the coordinators' projections, the agents' folds,
 * `ovl events --follow`, the TUI.
 *
 * Why not nats.js's ordered consumer: after a nats-server is killed and started again (its
 * memory-only consumers gone), the client's own recovery (consumer info, back-off,
 * recreate) was seen to leave a follower silent for good, and a recreate it finishes after
 * we gave up on it leaves a consumer pulling into nothing. So we do what it does, under our
 * control: each round creates a named, memory-only, ack-none consumer from the next
 * sequence (deleted when the round ends; the server drops it after INACTIVE_MS if we
 * vanish), pulls with a callback, and checks that delivery sequences have no gap. A round
 * ends, and a new one starts after the last sequence handed over, when:
 *   - the connection reconnected (the server may be a new process);
 *   - the consumer missed two idle heartbeats, or a delivery sequence was skipped;
 *   - its messages ended without our asking (an error from the server);
 *   - setting it up took longer than SETUP_TIMEOUT_MS.
 * Messages below the next sequence are dropped, so no round hands one over twice.
 */
import { AckPolicy, DeliverPolicy, nanos, nuid, type ConsumerMessages, type JsMsg, type NatsConnection } from "nats";

export interface StreamFollowOptions {
  readonly nc: NatsConnection;
  readonly stream: string;
  /** The first sequence to hand over. */
  readonly from: number;
  /** One subject filter (server 2.9 takes one). @default the whole stream */
  readonly filter?: string;
  /** Messages asked for per pull. @default 512 */
  readonly batch?: number;
  /** Called for each message, in order of sequence, once. */
  readonly onMessage: (m: JsMsg) => void;
  readonly log: (line: string) => void;
}

export interface StreamFollower {
  /** The next sequence it will hand over (last handed over + 1). */
  readonly next: number;
  /** Ends the follower; resolves when its current round has ended. */
  stop(): Promise<void>;
}

const SETUP_TIMEOUT_MS = 10_000;
const INACTIVE_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait before a round: none after a clean end, 100 ms doubling to 2 s after failures. Pure. */
export function roundDelayMs(failuresInARow: number): number {
  return failuresInARow === 0 ? 0 : Math.min(2000, 100 * 2 ** Math.min(failuresInARow - 1, 5));
}

/** Rejects after `ms`, so a hung setup call cannot hold a round. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function followStream(opts: StreamFollowOptions): StreamFollower {
  let next = Math.max(1, opts.from);
  let stopped = false;
  /** Ends the current round; replaced by each round. */
  let endRound: (why: string) => void = () => undefined;

  // A reconnect ends the round, whatever became of the consumer on the server.
  const status = opts.nc.status();
  void (async () => {
    for await (const s of status) if (s.type === "reconnect") endRound("reconnected");
  })().catch(() => undefined);

  async function round(): Promise<string> {
    let ended!: (why: string) => void;
    const roundEnded = new Promise<string>((r) => (ended = r));
    endRound = ended;
    let live = true;
    let messages: ConsumerMessages | null = null;
    const name = `ovl_${nuid.next()}`;
    const jsm = await within(opts.nc.jetstreamManager({ checkAPI: false }), SETUP_TIMEOUT_MS, "reaching JetStream");
    try {
      await within(
        jsm.consumers.add(opts.stream, {
          name,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: next,
          ack_policy: AckPolicy.None,
          max_deliver: 1,
          mem_storage: true,
          num_replicas: 1,
          inactive_threshold: nanos(INACTIVE_MS),
          ...(opts.filter ? { filter_subject: opts.filter } : {}),
        }),
        SETUP_TIMEOUT_MS,
        "creating the consumer",
      );
      if (stopped) return "stopped";
      const consumer = await within(opts.nc.jetstream().consumers.get(opts.stream, name), SETUP_TIMEOUT_MS, "looking up the consumer");
      let delivered = 0;
      const starting = consumer.consume({
        max_messages: opts.batch ?? 512,
        expires: 5000, // idle heartbeats every 2.5 s: a stuck consumer shows within seconds
        callback: (m) => {
          if (!live) return;
          const dseq = m.info.deliverySequence;
          if (dseq !== delivered + 1) return ended(`delivery ${dseq} after ${delivered}: a gap`);
          delivered = dseq;
          if (m.seq < next) return;
          next = m.seq + 1;
          opts.onMessage(m);
        },
      });
      // A setup that answers after we gave up on it must not keep pulling.
      void starting.then((late) => !live && late.stop(), () => undefined);
      messages = await within(starting, SETUP_TIMEOUT_MS, "starting to consume");
      void messages.closed().then((err) => ended(err ? `consumer ended: ${err.message}` : "consumer ended"));
      void (async () => {
        for await (const s of await messages!.status()) {
          if (s.type === "heartbeats_missed" && Number(s.data) >= 2) ended(`${s.data} heartbeats missed`);
        }
      })().catch(() => undefined);
      if (stopped) ended("stopped");
      return await roundEnded;
    } finally {
      live = false;
      messages?.stop();
      // Best effort: the server drops it after INACTIVE_MS anyway (it is gone after a restart).
      void jsm.consumers.delete(opts.stream, name).catch(() => undefined);
    }
  }

  const done = (async () => {
    let failures = 0;
    while (!stopped) {
      await sleep(roundDelayMs(failures));
      if (stopped) break;
      try {
        const why = await round();
        if (stopped) break;
        opts.log(`following ${opts.stream}: ${why}; resuming at ${next}`);
        failures = why === "reconnected" ? 0 : failures + 1;
      } catch (err) {
        if (stopped) break;
        failures += 1;
        opts.log(`following ${opts.stream}: ${(err as Error).message}; retrying at ${next}`);
      }
    }
  })();

  return {
    get next() {
      return next;
    },
    async stop() {
      stopped = true;
      endRound("stopped");
      (status as unknown as { stop(): void }).stop(); // nats.js's status iterator can be stopped
      await done;
    },
  };
}
