/**
 * Before serving: checks that the stream exists (created when allowed) and that the
 * projection is not ahead of it (a projection from another stream would decide from a
 * history that is not this one), then catches the projection up to the stream's end.
 *
 * The catch-up (`catchUp`) runs before the pipeline exists, so nothing of this
 * coordinator is in flight: it never reads the messages' Nats-Msg-Id, asks the consumer for
 * larger batches, and commits every `flushEvery` events instead of every 1000. A commit
 * writes every B-tree page the batch touched to the WAL, and the requests table's key is
 * a random id, so nearly every index page is touched by 1000 events: fewer, larger
 * commits write far less. Each commit still holds the rows and `last_seq` together.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";
import { followStream } from "@ovl/client";
import { OvlError, OvlErrorCodes, parseEnvelope, subjects, type Envelope } from "@ovl/domain";
import type { Projection } from "./projection/store.js";

/** Returns the stream's last sequence. */
export async function checkStream(jsm: JetStreamManager, projected: number, setup: boolean, create: () => Promise<unknown>): Promise<number> {
  let info;
  try {
    info = await jsm.streams.info(subjects.STREAM_EVENTS);
  } catch (err) {
    if (jsApiErrorCode(err) !== JsApiErrorCodes.StreamNotFound) throw err;
    if (!setup) throw new OvlError(OvlErrorCodes.Unavailable, `stream ${subjects.STREAM_EVENTS} does not exist: run \`ovl broker setup\` first`);
    await create();
    info = await jsm.streams.info(subjects.STREAM_EVENTS);
  }
  const { last_seq, first_seq } = info.state;
  if (projected > last_seq) {
    throw new OvlError(
      OvlErrorCodes.Conflict,
      `the projection is at seq ${projected} but stream ${subjects.STREAM_EVENTS} ends at ${last_seq}: it belongs to another stream; delete the file to rebuild it`,
    );
  }
  if (last_seq > 0 && first_seq > projected + 1) {
    throw new OvlError(OvlErrorCodes.Conflict, `stream ${subjects.STREAM_EVENTS} starts at seq ${first_seq}: events ${projected + 1}..${first_seq - 1} were removed, so the state cannot be rebuilt`);
  }
  return last_seq;
}

/** Waits until the follower has applied `last`; fails when it makes no progress for `stallMs`. */
export async function waitCaughtUp(applied: () => number, last: number, stallMs = 30_000): Promise<void> {
  let seen = applied();
  let since = Date.now();
  while (applied() < last) {
    await new Promise((r) => setTimeout(r, 10));
    if (applied() !== seen) {
      seen = applied();
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new OvlError(OvlErrorCodes.Timeout, `catching up stalled at seq ${seen} of ${last}`);
    }
  }
}

export interface CatchUpOptions {
  /** Events per transaction while catching up. @default 100000 */
  readonly flushEvery?: number;
  /** Messages the consumer asks for at a time. @default 4096 */
  readonly batch?: number;
  /** Fail when no event arrives for this long. @default 30000 */
  readonly stallMs?: number;
  /** Called after each event is applied (the snapshot writer). */
  readonly onApplied?: (seq: number) => void;
}

/**
 * Folds the stream into `projection` up to at least `last` and commits it; call before serving.
 * Each message goes straight from the consumer to `parseEnvelope` and the fold: no
 * Delivered record, no pending count or Nats-Msg-Id read (nothing of ours is in flight).
 */
export async function catchUp(nc: NatsConnection, projection: Projection, last: number, log: (line: string) => void, opts: CatchUpOptions = {}): Promise<void> {
  if (projection.seq >= last) return;
  const flushEvery = opts.flushEvery ?? 100_000;
  let sinceFlush = 0;
  let stopped = false;
  const restore = projection.bulk();
  const follower = followStream({
    nc,
    stream: subjects.STREAM_EVENTS,
    from: projection.seq + 1,
    batch: opts.batch ?? 4096,
    log,
    onMessage: (m) => {
      if (stopped) return; // the live follower starts after what was applied here
      let env: Envelope | null = null;
      try {
        env = parseEnvelope(m.data);
      } catch (err) {
        log(`event ${m.seq} on ${m.subject} skipped: ${(err as Error).message}`);
      }
      try {
        projection.apply(m.seq, env);
      } catch (err) {
        // The fold never throws on valid input; a failure here is a bug, not the stream's fault.
        log(`applying event ${m.seq} failed: ${(err as Error).stack ?? err}`);
      }
      opts.onApplied?.(m.seq);
      if (++sinceFlush >= flushEvery) {
        sinceFlush = 0;
        projection.flush();
      }
    },
  });
  try {
    await waitCaughtUp(() => projection.seq, last, opts.stallMs);
  } finally {
    stopped = true;
    await follower.stop();
    try {
      projection.flush();
    } finally {
      restore();
    }
  }
}
