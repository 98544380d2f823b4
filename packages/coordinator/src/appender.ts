/**
 * JetStream appends without `js.publish`: each event is a core `nc.publish` with the
 * JetStream headers and a reply subject `<inbox>.<token>` under one wildcard subscription
 * of our own, and the PubAck that comes back there is matched to its append by the token.
 *
 * Why: `js.publish` goes through `nc.request`, which per call builds a NatsError (for the
 * stack a timeout would show), arms a timer, and resolves a promise chain; at thousands of
 * appends/s that was the coordinator's largest cost after the socket writes. Here an append
 * costs a headers object, a map entry and a callback; timeouts are checked by one interval
 * timer from the oldest append (the map keeps insertion order), and an Error is built only
 * for a failure.
 *
 * The reply subject lives under the connection's inbox prefix, so the subscribe permission
 * a user already needs for requests (`<inboxPrefix>.>`) covers it.
 */
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from "nats";
import { CodedError } from "@ovl/domain";
import { CoordinatorErrorCodes, type CoordinatorErrorCode } from "./errors.js";

/** A PubAck that is not one: the server's API error (`errCode` 10071 ...) or a timeout. */
export class AppendError extends CodedError<CoordinatorErrorCode> {
  override readonly name = "AppendError";
  constructor(
    code: CoordinatorErrorCode,
    message: string,
    readonly errCode?: number,
  ) {
    super(code, message);
  }
}

const { AppendFailed, AppendRefused, AppendTimeout } = CoordinatorErrorCodes;

export interface Ack {
  readonly seq: number;
  readonly duplicate: boolean;
}

export type AckCallback = (err: AppendError | null, ack: Ack | null) => void;

export interface Expect {
  readonly msgId: string;
  readonly lastSequence: number;
  readonly lastMsgId: string | null;
}

interface Waiting {
  readonly at: number;
  readonly done: AckCallback;
}

/** The PubAck body, or the API error it carries. Pure, for the unit tests. */
export function parseAck(data: Uint8Array): Ack | AppendError {
  let body: { stream?: string; seq?: number; duplicate?: boolean; error?: { err_code?: number; description?: string; code?: number } };
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8"));
  } catch {
    return new AppendError(AppendFailed, "the PubAck is not JSON");
  }
  if (body.error) return new AppendError(AppendRefused, body.error.description ?? `JetStream error ${body.error.code}`, body.error.err_code);
  if (typeof body.seq !== "number" || !body.stream) return new AppendError(AppendFailed, "invalid PubAck (no stream or seq)");
  return { seq: body.seq, duplicate: body.duplicate === true };
}

export class Appender {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #sub: Subscription;
  readonly #waiting = new Map<string, Waiting>();
  readonly #timer: NodeJS.Timeout;
  #next = 0;

  constructor(
    nc: NatsConnection,
    readonly timeoutMs: number,
  ) {
    this.#nc = nc;
    this.#prefix = createInbox((nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
    this.#sub = nc.subscribe(`${this.#prefix}.*`, { callback: (err, m) => (err ? this.#failAll(err.message) : this.#onAck(m)) });
    this.#timer = setInterval(() => this.#expire(), Math.max(10, Math.floor(timeoutMs / 4)));
    this.#timer.unref();
  }

  get inflight(): number {
    return this.#waiting.size;
  }

  /** Publishes `data` to `subject` under the expectations; `done` is called exactly once. */
  append(subject: string, data: Uint8Array, expect: Expect, done: AckCallback): void {
    const token = (this.#next++).toString(36);
    const h = headers();
    h.set("Nats-Msg-Id", expect.msgId);
    h.set("Nats-Expected-Last-Sequence", String(expect.lastSequence));
    if (expect.lastMsgId) h.set("Nats-Expected-Last-Msg-Id", expect.lastMsgId);
    this.#waiting.set(token, { at: performance.now(), done });
    try {
      this.#nc.publish(subject, data, { reply: `${this.#prefix}.${token}`, headers: h });
    } catch (err) {
      this.#settle(token, new AppendError(AppendFailed, `publish failed: ${(err as Error).message}`), null);
    }
  }

  #onAck(m: Msg): void {
    const token = m.subject.slice(this.#prefix.length + 1);
    // A 503 "no responders": no stream captures the subject, or JetStream is not up.
    if (m.headers?.hasError) return this.#settle(token, new AppendError(AppendRefused, `${m.headers.code} ${m.headers.description}`.trim()), null);
    const ack = parseAck(m.data);
    if (ack instanceof AppendError) this.#settle(token, ack, null);
    else this.#settle(token, null, ack);
  }

  #settle(token: string, err: AppendError | null, ack: Ack | null): void {
    const w = this.#waiting.get(token);
    if (!w) return; // timed out already, or not ours
    this.#waiting.delete(token);
    w.done(err, ack);
  }

  #expire(): void {
    const limit = performance.now() - this.timeoutMs;
    for (const [token, w] of this.#waiting) {
      if (w.at > limit) break; // insertion order: the rest are younger
      this.#settle(token, new AppendError(AppendTimeout, `no PubAck within ${this.timeoutMs} ms`), null);
    }
  }

  #failAll(why: string): void {
    for (const token of [...this.#waiting.keys()]) this.#settle(token, new AppendError(AppendFailed, `ack subscription failed: ${why}`), null);
  }

  /** Fails what is still waiting and unsubscribes. */
  close(): void {
    clearInterval(this.#timer);
    this.#failAll("the appender closed");
    this.#sub.unsubscribe();
  }
}
