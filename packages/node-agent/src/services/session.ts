/**
 * The agent's end of one session (see domain agent-wire.ts): frames numbered from 1, cut
 * under the server's max_payload, at most WINDOW unacknowledged (send waits), and an idle
 * timer that any client message resets. Ending is idempotent.
 */
import { headers, type NatsConnection } from "nats";
import { FRAME_HEADER, IDLE_TIMEOUT_MS, OvlErrorCodes, SEQ_HEADER, WINDOW, encodeJson, type AgentEnd, type Control } from "@ovl/domain";

export class AgentSession {
  private seq = 0;
  private acked = 0;
  private waiting: (() => void) | null = null;
  private idle: NodeJS.Timeout;
  private ended = false;
  /** Called once when the session ends, for whatever reason (close the Docker stream). */
  onEnd: () => void = () => {};
  private handler: ((c: Control) => void) | null = null;
  /** Input that came before the Docker side was ready (a client types before exec started). */
  private early: Control[] = [];

  constructor(private readonly nc: NatsConnection, private readonly reply: string, private readonly idleMs = IDLE_TIMEOUT_MS) {
    this.idle = setTimeout(() => this.end({ error: { code: OvlErrorCodes.Timeout, message: "session idle: no message from the client" } }), idleMs);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Room for a header block: the payload of a frame is at most this. */
  private get chunk(): number {
    return Math.max(1024, Math.min(256 * 1024, (this.nc.info?.max_payload ?? 1024 * 1024) - 4096));
  }

  private publish(kind: "out" | "err" | "end", data: Uint8Array): void {
    const h = headers();
    h.set(FRAME_HEADER, kind);
    h.set(SEQ_HEADER, String(++this.seq));
    this.nc.publish(this.reply, data, { headers: h });
  }

  /**
   * An empty frame: the session stands, output may take long (a follow of a quiet
   * container). Without it the client cannot tell such silence from an agent that is down.
   */
  opened(): void {
    if (!this.ended) this.publish("out", new Uint8Array(0));
  }

  /** Sends bytes as frames; waits while the client lags WINDOW frames behind. */
  async send(kind: "out" | "err", data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.byteLength && !this.ended; at += this.chunk) {
      while (this.seq - this.acked >= WINDOW && !this.ended) await new Promise<void>((r) => (this.waiting = r));
      if (!this.ended) this.publish(kind, data.subarray(at, at + this.chunk));
    }
  }

  control(c: Control): void {
    this.idle.refresh();
    if (c.t === "ack") {
      this.acked = Math.max(this.acked, Math.min(c.seq, this.seq));
      this.waiting?.();
      this.waiting = null;
    } else if (c.t === "close") {
      this.end({ error: { code: OvlErrorCodes.Closed, message: "closed by the client" } });
    } else if (c.t !== "ping") {
      if (this.handler) this.handler(c);
      else if (this.early.length < 1024) this.early.push(c);
    }
  }

  /** Control messages other than ack, ping and close; those that came early are handed over now. */
  onControl(handler: (c: Control) => void): void {
    this.handler = handler;
    for (const c of this.early.splice(0)) handler(c);
  }

  end(end: AgentEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idle);
    this.waiting?.();
    this.publish("end", encodeJson(end));
    this.onEnd();
  }
}
