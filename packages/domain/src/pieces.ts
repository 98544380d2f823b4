/**
 * A reply larger than one NATS message travels in pieces: the coordinator encodes it once,
 * cuts the bytes into pieces that each fit the broker's `max_payload` (as the asker's
 * connection saw it, sent in the request's `Ovl-Max-Payload` header), and publishes them in
 * order to the request's reply subject. Every piece names its place (`Ovl-Piece: k/n`), the
 * whole's size and digest, and the request id. The asker keeps them apart by index and hands
 * out the reply only when all n are there, their bytes add up and the digest matches: a reply
 * is whole or it is an error, never a shorter listing.
 *
 * A reply that fits one message is sent as before, without these headers (n = 1).
 * Pure: the digest function is passed in (node:crypto lives at the edges).
 */
import { OvlError, OvlErrorCodes } from "./errors.js";
import { MAX_REPLY_BYTES } from "./wire.js";

export const PIECE_HEADERS = {
  /** On the request: the asker's `max_payload`, so the pieces fit its server too. */
  maxPayload: "Ovl-Max-Payload",
  /** "k/n", k from 1. */
  piece: "Ovl-Piece",
  bytes: "Ovl-Reply-Bytes",
  digest: "Ovl-Reply-Digest",
  requestId: "Ovl-Request-Id",
} as const;

/** Room left in each piece for its headers (about 150 bytes; NATS counts them in max_payload). */
export const PIECE_HEADER_MARGIN = 1024;
/** A smaller `max_payload` is refused: ovl's own requests are up to 64 KiB. */
export const MIN_MAX_PAYLOAD = 4096;
/**
 * The most pieces one reply may take. The broker config lets the coordinator publish this
 * many responses to one reply subject (`allow_responses`). With 1 MB pieces this is far
 * above MAX_REPLY_BYTES; with 64 KB ones it is about 600 MB.
 */
export const MAX_PIECES = 10_000;

export interface PieceMeta {
  /** 1..count */
  readonly index: number;
  readonly count: number;
  /** Bytes of the whole reply. */
  readonly bytes: number;
  readonly digest: string;
}

export interface Piece {
  readonly meta: PieceMeta;
  readonly data: Uint8Array;
}

const incomplete = (message: string): OvlError => new OvlError(OvlErrorCodes.ReplyIncomplete, message);

/** The largest payload of one piece for a server that accepts `maxPayload` bytes. */
export function pieceSize(maxPayload: number): number {
  if (!Number.isSafeInteger(maxPayload) || maxPayload < MIN_MAX_PAYLOAD) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `invalid max payload ${maxPayload}: expected a whole number of bytes, at least ${MIN_MAX_PAYLOAD}`);
  }
  return maxPayload - PIECE_HEADER_MARGIN;
}

/** Parses the request's `Ovl-Max-Payload` header; null when absent. */
export function parseMaxPayload(raw: string | undefined): number | null {
  if (raw === undefined || raw === "") return null;
  if (!/^\d{1,12}$/.test(raw)) throw new OvlError(OvlErrorCodes.InvalidInput, `invalid ${PIECE_HEADERS.maxPayload} ${JSON.stringify(raw)}: expected a whole number of bytes`);
  pieceSize(Number(raw));
  return Number(raw);
}

/** Cuts `data` into pieces of at most `size` bytes (views, no copies), in order. */
export function cutReply(data: Uint8Array, size: number, digest: string): Piece[] {
  if (!Number.isSafeInteger(size) || size < 1) throw new OvlError(OvlErrorCodes.Internal, `invalid piece size ${size}`);
  const count = Math.max(1, Math.ceil(data.byteLength / size));
  if (count > MAX_PIECES || data.byteLength > MAX_REPLY_BYTES) {
    throw new OvlError(
      OvlErrorCodes.Unavailable,
      `the answer of ${data.byteLength} bytes is larger than a reply may be (${MAX_PIECES} pieces of ${size} bytes, ${MAX_REPLY_BYTES} bytes): narrow it down (ovl ps --node, --state)`,
    );
  }
  return Array.from({ length: count }, (_, i) => ({
    meta: { index: i + 1, count, bytes: data.byteLength, digest },
    data: data.subarray(i * size, Math.min(data.byteLength, (i + 1) * size)),
  }));
}

/** The headers one piece carries. */
export function pieceHeaders(meta: PieceMeta, requestId: string): [string, string][] {
  return [
    [PIECE_HEADERS.piece, `${meta.index}/${meta.count}`],
    [PIECE_HEADERS.bytes, String(meta.bytes)],
    [PIECE_HEADERS.digest, meta.digest],
    [PIECE_HEADERS.requestId, requestId],
  ];
}

/**
 * Reads a piece's headers; null when the message is not a piece (a whole reply in one
 * message). A piece whose headers do not parse is an error: the reply cannot be trusted.
 */
export function parsePieceMeta(get: (name: string) => string | undefined): PieceMeta | null {
  const piece = get(PIECE_HEADERS.piece);
  if (piece === undefined || piece === "") return null;
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(piece);
  const bytes = get(PIECE_HEADERS.bytes) ?? "";
  const digest = get(PIECE_HEADERS.digest) ?? "";
  if (!m || !/^\d{1,12}$/.test(bytes) || !/^[A-Za-z0-9_-]{16,128}$/.test(digest)) {
    throw incomplete(`malformed reply piece (${PIECE_HEADERS.piece}: ${JSON.stringify(piece)}, ${PIECE_HEADERS.bytes}: ${JSON.stringify(bytes)})`);
  }
  const meta = { index: Number(m[1]), count: Number(m[2]), bytes: Number(bytes), digest };
  if (meta.count < 1 || meta.count > MAX_PIECES || meta.index < 1 || meta.index > meta.count || meta.bytes > MAX_REPLY_BYTES) {
    throw incomplete(`reply piece ${piece} of ${meta.bytes} bytes is out of bounds (at most ${MAX_PIECES} pieces, ${MAX_REPLY_BYTES} bytes)`);
  }
  return meta;
}

/**
 * Collects the pieces of one reply, in any order, and joins them when all are there.
 * Every piece must agree with the first on count, size and digest, and come once.
 */
export class PieceAssembly {
  #first: PieceMeta | null = null;
  readonly #parts = new Map<number, Uint8Array>();
  #size = 0;

  get received(): number {
    return this.#parts.size;
  }
  get count(): number | null {
    return this.#first?.count ?? null;
  }
  get complete(): boolean {
    return this.#first !== null && this.#parts.size === this.#first.count;
  }

  add(meta: PieceMeta, data: Uint8Array): void {
    const first = (this.#first ??= meta);
    if (meta.count !== first.count || meta.bytes !== first.bytes || meta.digest !== first.digest) {
      throw incomplete(`reply piece ${meta.index}/${meta.count} belongs to another reply than piece ${first.index}/${first.count} (size or digest differ)`);
    }
    if (this.#parts.has(meta.index)) throw incomplete(`reply piece ${meta.index}/${meta.count} came twice`);
    this.#size += data.byteLength;
    if (this.#size > first.bytes) throw incomplete(`reply pieces hold more than the ${first.bytes} bytes announced`);
    this.#parts.set(meta.index, data);
  }

  /** The whole reply; throws when a piece is missing, the size or the digest is wrong. */
  join(digestOf: (data: Uint8Array) => string): Uint8Array {
    const first = this.#first;
    if (!first) throw incomplete("no reply piece arrived");
    if (!this.complete) throw cutError(this.received, first.count);
    if (this.#size !== first.bytes) throw incomplete(`reply pieces hold ${this.#size} bytes, not the ${first.bytes} announced`);
    const whole = new Uint8Array(first.bytes);
    for (let i = 1, at = 0; i <= first.count; i++) {
      const part = this.#parts.get(i)!;
      whole.set(part, at);
      at += part.byteLength;
    }
    if (digestOf(whole) !== first.digest) throw incomplete(`the ${first.count} reply pieces do not match the reply's digest`);
    return whole;
  }
}

/** The error of a reply whose pieces stopped coming. */
export function cutError(received: number, count: number, where = ""): OvlError {
  return incomplete(
    `the reply${where ? ` on ${where}` : ""} was cut after ${received} of ${count} pieces (a coordinator stopped while sending, or the connection broke): nothing of it was used; ask again`,
  );
}
