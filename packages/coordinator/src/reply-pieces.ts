/**
 * Sends a reply to a request: in one message when it fits, else in pieces (domain
 * pieces.ts) that fit both this connection's server and the asker's (the request's
 * `Ovl-Max-Payload`; on a cluster of brokers the two may differ). The reply is encoded
 * once; the pieces are views into it and go out in order on the request's reply subject.
 *
 * A request without the header (an older client) gets one message when it fits this
 * server; a larger reply then reaches it in pieces it does not read, and it fails on them.
 */
import { headers, type Msg, type NatsConnection } from "nats";
import {
  OvlError,
  OvlErrorCodes,
  PIECE_HEADERS,
  cutReply,
  encodeJson,
  errorReply,
  parseMaxPayload,
  pieceHeaders,
  pieceSize,
  type Reply,
} from "@ovl/domain";
import { replyDigest } from "@ovl/client";

export interface ReplierOptions {
  readonly nc: NatsConnection;
  readonly log: (line: string) => void;
  /**
   * A pause between pieces: tests widen it to kill a coordinator halfway through a reply.
   * @default 0
   */
  readonly pieceGapMs?: number;
}

/** The largest message both ends' servers take. */
function limitFor(m: Msg, nc: NatsConnection): number {
  const own = nc.info?.max_payload ?? 1024 * 1024;
  const asked = parseMaxPayload(m.headers?.has(PIECE_HEADERS.maxPayload) ? m.headers.get(PIECE_HEADERS.maxPayload) : undefined);
  return Math.min(own, asked ?? own);
}

export type Respond = (m: Msg, reply: Reply, requestId?: string) => void;

export function replier(opts: ReplierOptions): Respond {
  const send = (m: Msg, reply: Reply, requestId: string): void => {
    const data = encodeJson(reply);
    const limit = limitFor(m, opts.nc);
    if (data.byteLength <= limit) {
      m.respond(data);
      return;
    }
    const pieces = cutReply(data, pieceSize(limit), replyDigest(data));
    const publish = (i: number): void => {
      const piece = pieces[i]!;
      const h = headers();
      for (const [k, v] of pieceHeaders(piece.meta, requestId)) h.set(k, v);
      m.respond(piece.data, { headers: h });
    };
    if (!opts.pieceGapMs) pieces.forEach((_, i) => publish(i));
    else paced(pieces.length, opts.pieceGapMs, publish, (err) => opts.log(`reply on ${m.subject} stopped: ${err.message}`));
  };
  return (m, reply, requestId = "-") => {
    if (!m.reply) return;
    try {
      send(m, reply, requestId);
    } catch (err) {
      // Too large even in pieces, or a bad Ovl-Max-Payload: say so rather than leave the asker waiting.
      const e = err instanceof OvlError ? err : new OvlError(OvlErrorCodes.Unavailable, `the reply could not be sent: ${(err as Error).message}`, { cause: err });
      try {
        m.respond(encodeJson(errorReply(e)));
      } catch (again) {
        opts.log(`reply on ${m.subject} failed: ${(again as Error).message}`);
      }
    }
  };
}

function paced(count: number, gapMs: number, publish: (i: number) => void, onError: (err: Error) => void): void {
  const next = (i: number): void => {
    try {
      publish(i);
      if (i + 1 < count) setTimeout(() => next(i + 1), gapMs);
    } catch (err) {
      onError(err as Error);
    }
  };
  next(0);
}
