/**
 * Follows OVL_EVENTS from a sequence (the client's followStream: in order, each event once,
 * resumed after a reconnect or a broker restart): first the catch-up, then live. Each
 * message is handed over with its sequence, its Nats-Msg-Id (how the coordinator recognises
 * its own appends) and the number still pending (0 = at the end of the stream). A message
 * that is not a valid event is reported and handed over as null: it still takes its place.
 */
import type { JsMsg, NatsConnection } from "nats";
import { followStream } from "@ovl/client";
import { parseEnvelope, subjects, type Envelope } from "@ovl/domain";

export interface Delivered {
  readonly seq: number;
  readonly subject: string;
  readonly env: Envelope | null;
  readonly msgId: string | null;
  readonly pending: number;
}

export interface Follower {
  stop(): Promise<void>;
}

export interface FollowOptions {
  /** Messages the consumer asks for at a time. @default 512 */
  readonly batch?: number;
}

/**
 * The Nats-Msg-Id is read only when asked for: decoding a message's headers costs about
 * as much as validating its event, and a catch-up at start (nothing of ours in flight)
 * never needs it.
 */
class StoredMessage implements Delivered {
  readonly seq: number;
  readonly pending: number;
  readonly #m: JsMsg;

  constructor(m: JsMsg, readonly env: Envelope | null) {
    this.#m = m;
    this.seq = m.seq;
    this.pending = m.info.pending;
  }

  get subject(): string {
    return this.#m.subject;
  }

  get msgId(): string | null {
    return this.#m.headers?.get("Nats-Msg-Id") || null;
  }
}

function toDelivered(m: JsMsg, log: (line: string) => void): Delivered {
  let env: Envelope | null = null;
  try {
    env = parseEnvelope(m.data);
  } catch (err) {
    log(`event ${m.seq} on ${m.subject} skipped: ${(err as Error).message}`);
  }
  return new StoredMessage(m, env);
}

export async function followEvents(
  nc: NatsConnection,
  fromSeq: number,
  onEvent: (d: Delivered) => void,
  log: (line: string) => void,
  opts: FollowOptions = {},
): Promise<Follower> {
  const follower = followStream({
    nc,
    stream: subjects.STREAM_EVENTS,
    from: Math.max(1, fromSeq),
    batch: opts.batch ?? 512,
    log,
    onMessage: (m) => {
      try {
        onEvent(toDelivered(m, log));
      } catch (err) {
        // The fold never throws on valid input; a failure here is a bug, not the stream's fault.
        log(`applying event ${m.seq} failed: ${(err as Error).stack ?? err}`);
      }
    },
  });
  return { stop: () => follower.stop() };
}
