/**
 * Request/reply to the coordinators with an id made once per request: a timeout or a
 * "no responders" (no coordinator up, a leader election under way) is retried with the
 * same id until the deadline, so a retry is applied at most once and answered the same.
 * A reply may come in pieces (request-pieces.ts); one cut short is an error, not retried.
 */
import { randomBytes } from "node:crypto";
import { ErrorCode, type NatsConnection, type NatsError } from "nats";
import { MAX_REPLY_BYTES, OvlError, OvlErrorCodes, decodeJson, encodeJson, isOvlErrorCode, type Reply } from "@ovl/domain";
import { askWhole } from "./request-pieces.js";

export interface RequestOptions {
  /** Total time to keep trying. @default 10000 */
  readonly timeoutMs?: number;
  /** Time one attempt waits for its reply. @default 2000 */
  readonly attemptMs?: number;
  /** Reuse an id (e.g. a retried command from a script). @default a fresh random id */
  readonly id?: string;
}

export const newRequestId = (): string => randomBytes(12).toString("base64url");

const retryable = (err: unknown): boolean => {
  const code = (err as NatsError)?.code;
  return code === ErrorCode.Timeout || code === ErrorCode.NoResponders || code === ErrorCode.Disconnect;
};

/**
 * The result of a reply, or its error rebuilt as the OvlError the coordinator threw (it
 * travels as `{code, message}`), so callers branch on `instanceof` and `code` as for a
 * local one. A code this client does not know (a newer coordinator) is INTERNAL, its
 * message kept. Pure.
 */
export function unwrapReply<T>(subject: string, raw: unknown): T {
  const reply = raw as Reply<T>;
  if (reply && reply.ok === true && "result" in reply) return reply.result;
  if (reply && reply.ok === false && reply.error) {
    const { code, message } = reply.error as { code?: unknown; message?: unknown };
    if (isOvlErrorCode(code)) throw new OvlError(code, String(message));
    if (typeof code === "string" && typeof message === "string") throw new OvlError(OvlErrorCodes.Internal, `${message} (code ${code} from ${subject})`);
  }
  throw new OvlError(OvlErrorCodes.Internal, `malformed reply on ${subject}`);
}

export async function request<T>(nc: NatsConnection, subject: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  const id = opts.id ?? newRequestId();
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const payload = encodeJson({ id, body });
  for (let attempt = 0; ; attempt++) {
    const left = deadline - Date.now();
    try {
      const firstMs = Math.max(50, Math.min(opts.attemptMs ?? 2000, left));
      const data = await askWhole(nc, subject, payload, { firstMs, pieceMs: opts.attemptMs ?? 2000, id });
      return unwrapReply<T>(subject, decodeJson(data, "reply", MAX_REPLY_BYTES));
    } catch (err) {
      if (err instanceof OvlError) throw err;
      // A refusal by the server's permissions is final: retrying cannot change it.
      if ((err as NatsError)?.code === ErrorCode.PermissionsViolation || (err as NatsError)?.isPermissionError?.()) {
        throw new OvlError(OvlErrorCodes.Forbidden, `not allowed to send to ${subject} (${(err as Error).message}): use an identity with that permission (--creds; see docs/security.md)`, { cause: err });
      }
      if (!retryable(err) || Date.now() >= deadline) {
        const noCoordinator = (err as NatsError)?.code === ErrorCode.NoResponders;
        throw new OvlError(
          noCoordinator ? OvlErrorCodes.Unavailable : OvlErrorCodes.Timeout,
          noCoordinator
            ? `no coordinator answers on ${subject}: start one with \`ovl coordinator\``
            : `no answer on ${subject} within ${opts.timeoutMs ?? 10_000} ms (${(err as Error).message}); is a coordinator running?`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }
}
