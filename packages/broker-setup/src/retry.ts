/**
 * Waiting for JetStream to answer. A stream leader being elected (5-7 s on a 3-server
 * cluster here) or a broker still starting answers API requests with a timeout or "no
 * responders"; a process starting at that moment (a coordinator restarted by systemd with
 * its broker) should wait, not exit, and must never take a timeout for "not found".
 */
import { ErrorCode, NatsError } from "nats";
import { BrokerError, BrokerErrorCodes } from "@ovl/client";

/** A JetStream call that got no answer (timeout, no responders, 408). Pure. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return err instanceof NatsError && (code === ErrorCode.Timeout || code === ErrorCode.NoResponders || code === ErrorCode.JetStream408RequestTimeout);
}

/** JetStream gave no answer for the whole wait: says so and what to check; `natsCode` is the last one seen. */
export class NoAnswerError extends BrokerError {
  override readonly name = "NoAnswerError";
  readonly natsCode: string;
  constructor(what: string, last: NatsError, waitedMs: number) {
    super(BrokerErrorCodes.NoAnswer, `${what}: JetStream did not answer within ${Math.round(waitedMs / 1000)} s (${last.message}): check that nats-server runs with JetStream enabled, that this process reaches it, and (cluster) that a majority of its servers is up`, { cause: last });
    this.natsCode = last.code;
  }
}

/** Runs `step` again while JetStream does not answer, for up to `deadlineMs`; any other error is final. */
export async function whenAnswered<T>(what: string, step: () => Promise<T>, log: (line: string) => void, deadlineMs = 60_000): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (Date.now() - started > deadlineMs) throw new NoAnswerError(what, err as NatsError, Date.now() - started);
      log(`${what}: ${(err as Error).message}; JetStream not answering yet, retrying`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
