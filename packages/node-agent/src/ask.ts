/**
 * The agent's requests to the coordinators (join, container reports, leave completed): one
 * id per request, retried with that same id while no coordinator answers, so each is
 * decided once however often it is sent. A refusal (an OvlError from the coordinator) is
 * final and thrown to the caller.
 */
import type { NatsConnection } from "nats";
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { newRequestId, request } from "@ovl/client";
import { AgentError, AgentErrorCodes } from "./errors.js";

export interface AskOptions {
  /** True once the agent is stopping: give up. */
  readonly stopped: () => boolean;
  readonly log: (line: string) => void;
  /** Length of one round of retries, logged when it ends unanswered. @default 10000 */
  readonly roundMs?: number;
}

/** The agent stopped while the request was still unanswered. */
export class Abandoned extends AgentError {
  override readonly name = "Abandoned";
  constructor(message: string) {
    super(AgentErrorCodes.Abandoned, message);
  }
}

const unanswered = (err: unknown): boolean =>
  err instanceof OvlError && (err.code === OvlErrorCodes.Unavailable || err.code === OvlErrorCodes.Timeout);

export async function askUntilAnswered<T>(nc: NatsConnection, subject: string, body: unknown, opts: AskOptions): Promise<T> {
  const id = newRequestId();
  for (;;) {
    if (opts.stopped()) throw new Abandoned(`request on ${subject} abandoned: the agent is stopping`);
    try {
      return await request<T>(nc, subject, body, { id, timeoutMs: opts.roundMs ?? 10_000 });
    } catch (err) {
      if (!unanswered(err) || opts.stopped()) throw err;
      opts.log(`${subject}: ${(err as Error).message}; still trying`);
    }
  }
}
