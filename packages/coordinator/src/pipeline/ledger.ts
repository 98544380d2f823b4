/**
 * The ledger of our appends: each event this coordinator published and its follower has not
 * read back yet, in sequence order, and how far from the start they are all confirmed.
 *
 * Why a ledger: an append is confirmed by its PubAck (stored at the sequence it expected) or
 * by the follower reading it back, whichever comes first, and a decision may be answered only
 * once every event it rests on is confirmed; the ledger says up to which sequence that holds.
 * It also lets the follower recognise the next event of ours (same sequence, Nats-Msg-Id and
 * bytes) and apply the envelope we built instead of parsing the stored bytes again.
 */
import type { Envelope } from "@ovl/domain";

/** One of our appends not yet read back by the follower; `ok` once acked or read back. */
export interface Pending {
  readonly seq: number;
  readonly msgId: string;
  /** What was published: the follower's copy need not be parsed again when the bytes match. */
  readonly env: Envelope;
  readonly data: Uint8Array;
  ok: boolean;
}

export class AppendLedger {
  #pending: Pending[] = [];
  /** `pending[..head]` are read back by the follower; `pending[..okIdx]` are all confirmed. */
  #head = 0;
  #okIdx = 0;

  /** Whether an append of ours is not read back yet. */
  get unread(): boolean {
    return this.#pending.length > this.#head;
  }

  /** Whether every append of ours is confirmed. */
  get allConfirmed(): boolean {
    return this.#okIdx === this.#pending.length;
  }

  /** The Nats-Msg-Id the next append expects as the stream's last: our previous one, while unread. */
  lastMsgId(): string | null {
    return this.unread ? this.#pending[this.#pending.length - 1]!.msgId : null;
  }

  add(entry: Pending): void {
    this.#pending.push(entry);
  }

  /** `entry` was acked where expected; returns the sequence now confirmed up to, if that moved. */
  acked(entry: Pending): number | null {
    entry.ok = true;
    return this.#advance();
  }

  /** Whether the event stored at `seq` with `msgId` is the next of ours to be read back. */
  isNext(seq: number, msgId: string | null): boolean {
    const head = this.#pending[this.#head]!;
    return head.seq === seq && head.msgId === msgId;
  }

  /** The next of ours was read back; returns the sequence now confirmed up to, if that moved. */
  readBack(): number | null {
    this.#pending[this.#head]!.ok = true;
    const upTo = this.#advance();
    this.#head += 1;
    if (this.#head === this.#pending.length) this.clear();
    return upTo;
  }

  /**
   * The envelope of ours stored at `seq`, when it is the next of our appends to be read back
   * and the stored bytes are exactly the ones published; null otherwise (another writer's, or
   * the same Nats-Msg-Id decided by another coordinator at another time).
   */
  ownEnvelope(seq: number, msgIdOf: () => string | null, data: Uint8Array): Envelope | null {
    if (!this.unread) return null;
    const head = this.#pending[this.#head]!;
    if (head.seq !== seq || head.data.byteLength !== data.byteLength || head.msgId !== msgIdOf()) return null;
    return Buffer.from(head.data.buffer, head.data.byteOffset, head.data.byteLength).equals(data) ? head.env : null;
  }

  /** Forgets every append (they all failed, or were all read back). */
  clear(): void {
    this.#pending = [];
    this.#head = 0;
    this.#okIdx = 0;
  }

  #advance(): number | null {
    let i = this.#okIdx;
    while (i < this.#pending.length && this.#pending[i]!.ok) i++;
    if (i === this.#okIdx) return null;
    this.#okIdx = i;
    return this.#pending[i - 1]!.seq;
  }
}
