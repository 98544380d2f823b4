/**
 * One attempt of a request whose reply may come in pieces (domain pieces.ts): the request
 * says how large a message this connection's server takes, the pieces come back on one
 * inbox (nats.js `requestMany`, so "no responders" and permission refusals end it as they
 * end `nc.request`), and the reply is handed out only when it is whole.
 *
 * No piece within `firstMs`: a NATS timeout, retried by request.ts like before. Pieces that
 * stop coming (no next one within `pieceMs`): REPLY_INCOMPLETE at once, "cut after k of n".
 */
import { ErrorCode, NatsError, RequestStrategy, headers, type Msg, type NatsConnection } from "nats";
import { OvlError, OvlErrorCodes, PIECE_HEADERS, PieceAssembly, cutError, parsePieceMeta } from "@ovl/domain";
import { sha256 } from "./sha256.js";

/** The digest every piece names: SHA-256 of the whole reply, base64url. */
export const replyDigest = (data: Uint8Array): string => sha256(data, "base64url");

export interface AttemptOptions {
  /** How long to wait for the first piece (or the whole reply). */
  readonly firstMs: number;
  /** How long to wait for each next piece once one came. */
  readonly pieceMs: number;
  /** The request's id, which every piece must name. */
  readonly id: string;
}

export async function askWhole(nc: NatsConnection, subject: string, payload: Uint8Array, opts: AttemptOptions): Promise<Uint8Array> {
  const h = headers();
  h.set(PIECE_HEADERS.maxPayload, String(nc.info?.max_payload ?? 1024 * 1024));
  const replies = await nc.requestMany(subject, payload, { strategy: RequestStrategy.JitterTimer, maxWait: opts.firstMs, jitter: opts.pieceMs, headers: h });
  const assembly = new PieceAssembly();
  for await (const m of replies) {
    const whole = take(assembly, m, subject, opts.id);
    if (whole) return whole; // leaving the loop cancels the request
  }
  if (assembly.count === null) throw NatsError.errorForCode(ErrorCode.Timeout);
  throw cutError(assembly.received, assembly.count, subject);
}

/** Adds one message; the whole reply when it is complete. */
function take(assembly: PieceAssembly, m: Msg, subject: string, id: string): Uint8Array | null {
  const meta = parsePieceMeta((name) => (m.headers?.has(name) ? m.headers.get(name) : undefined));
  if (!meta) {
    // A reply in one message, as small replies are: only ever the first and last message.
    if (assembly.count === null) return m.data;
    throw new OvlError(OvlErrorCodes.ReplyIncomplete, `a reply in one message arrived among the ${assembly.count} pieces of another on ${subject}`);
  }
  const from = m.headers?.get(PIECE_HEADERS.requestId);
  if (from !== id) throw new OvlError(OvlErrorCodes.ReplyIncomplete, `a reply piece on ${subject} answers request ${JSON.stringify(from)}, not ${id}`);
  assembly.add(meta, m.data);
  return assembly.complete ? assembly.join(replyDigest) : null;
}
