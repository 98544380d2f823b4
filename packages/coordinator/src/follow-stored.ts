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
  /** The event, parsed and validated on first read; null for a message that is not one. */
  readonly env: Envelope | null;
  /** The stored bytes. */
  readonly data: Uint8Array;
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
 * The Nats-Msg-Id and the event are read only when asked for: decoding a message's headers
 * costs about as much as validating its event, a catch-up at start (nothing of ours in
 * flight) never needs the id, and the coordinator does not parse again an event of its
 * own whose bytes it still holds (pipeline/pump.ts, `ownEnvelope`).
 */
class StoredMessage implements Delivered {
  readonly seq: number;
  readonly pending: number;
  readonly #m: JsMsg;
  readonly #log: (line: string) => void;
  #env: Envelope | null | undefined = undefined;
  #msgId: string | null | undefined = undefined;

  constructor(m: JsMsg, log: (line: string) => void) {
    this.#m = m;
    this.#log = log;
    this.seq = m.seq;
    this.pending = m.info.pending;
  }

  get subject(): string {
    return this.#m.subject;
  }

  get data(): Uint8Array {
    return this.#m.data;
  }

  get env(): Envelope | null {
    if (this.#env === undefined) {
      try {
        this.#env = parseEnvelope(this.#m.data);
      } catch (err) {
        this.#log(`event ${this.seq} on ${this.#m.subject} skipped: ${(err as Error).message}`);
        this.#env = null;
      }
    }
    return this.#env;
  }

  get msgId(): string | null {
    if (this.#msgId === undefined) this.#msgId = this.#m.headers?.get("Nats-Msg-Id") || null;
    return this.#msgId;
  }
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
        onEvent(new StoredMessage(m, log));
      } catch (err) {
        // The fold never throws on valid input; a failure here is a bug, not the stream's fault.
        log(`applying event ${m.seq} failed: ${(err as Error).stack ?? err}`);
      }
    },
  });
  return { stop: () => follower.stop() };
}
