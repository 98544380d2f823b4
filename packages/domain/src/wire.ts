/**
 * Request and reply bodies on the command, report and query subjects, and the heartbeat.
 * Every request carries an `id` made by the client: a retry with the same id gets the same
 * answer and appends nothing new.
 */
import { Type, type Static } from "@sinclair/typebox";
import { checked, lazyCheck } from "./compile.js";
import { Name, Time } from "./schema.js";
import { OvlError, OvlErrorCodes, type OvlErrorCode } from "./errors.js";

export interface Request<T = unknown> {
  readonly id: string;
  readonly body: T;
}

export type Reply<T = unknown> =
  | { readonly ok: true; readonly result: T }
  | { readonly ok: false; readonly error: { readonly code: OvlErrorCode; readonly message: string } };

export const okReply = <T>(result: T): Reply<T> => ({ ok: true, result });
export const errorReply = (err: unknown): Reply<never> => {
  if (err instanceof OvlError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: OvlErrorCodes.Internal, message: `internal error: ${(err as Error)?.message ?? String(err)}` } };
};

/** Requests above this size are refused unread. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * The largest reply a client takes in (a listing of a whole cluster, in pieces when it is
 * larger than the broker's max payload: pieces.ts): about a million containers.
 */
export const MAX_REPLY_BYTES = 256 * 1024 * 1024;

export function decodeJson(bytes: Uint8Array, what: string, limit = MAX_REQUEST_BYTES): unknown {
  if (bytes.byteLength > limit) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `${what} of ${bytes.byteLength} bytes exceeds ${limit}`);
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `${what} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

const requestEnvelope = lazyCheck(
  Type.Object({ id: Type.String({ pattern: "^[A-Za-z0-9_-]{8,64}$" }), body: Type.Unknown() }, { additionalProperties: false }),
);

export function parseRequest(bytes: Uint8Array): Request {
  const raw = decodeJson(bytes, "request");
  if (!requestEnvelope().Check(raw)) {
    throw new OvlError(OvlErrorCodes.InvalidInput, 'malformed request: expected {"id": "<8-64 chars of A-Za-z0-9_->", "body": {...}}');
  }
  return raw as Request;
}

export const HeartbeatSchema = Type.Object(
  {
    node: Name,
    time: Time,
    /** Load average over one minute divided by the core count, clamped to 0..1. */
    cpu: Type.Number({ minimum: 0, maximum: 1 }),
    memFree: Type.Integer({ minimum: 0 }),
    memTotal: Type.Integer({ minimum: 0 }),
    agentVersion: Type.String({ maxLength: 64 }),
    /** The highest sequence every event up to which the node's kernel and Docker reflect (convergence.ts). */
    appliedSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Append-to-applied times of the node's recent events, in ms. */
    applyMs: Type.Optional(
      Type.Object(
        { last: Type.Integer({ minimum: 0 }), p50: Type.Integer({ minimum: 0 }), p99: Type.Integer({ minimum: 0 }), count: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof HeartbeatSchema>;
const heartbeatCheck = lazyCheck(HeartbeatSchema);

export function parseHeartbeat(bytes: Uint8Array): Heartbeat {
  return checked(heartbeatCheck(), decodeJson(bytes, "heartbeat"), "heartbeat");
}
