/**
 * Sends the runtime's container reports as ReportContainer requests, each retried until a
 * coordinator answers. A report already in flight is not sent twice; a report the state
 * already records is harmless anyway (the coordinator decides nothing for it).
 */
import type { NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { Abandoned, askUntilAnswered, type AskOptions } from "./ask.js";
import { reportKey, type ContainerReport } from "./runtime.js";

export interface Reporter {
  send(report: ContainerReport): void;
  /** Resolves when every report sent so far is answered (or abandoned). */
  idle(): Promise<void>;
  /** Reports answered so far. */
  readonly sent: number;
}

const MAX_REASON = 512;

export function createReporter(nc: NatsConnection, node: string, opts: AskOptions): Reporter {
  const inFlight = new Map<string, Promise<void>>();
  let sent = 0;
  const subject = subjects.reportSubject(node, "container");
  const body = (r: ContainerReport) => ({
    node,
    name: r.name,
    ip: r.ip,
    state: r.state,
    ...(r.reason !== undefined ? { reason: r.reason.slice(0, MAX_REASON) } : {}),
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
  });
  return {
    send(r) {
      const key = reportKey(r);
      if (inFlight.has(key)) return;
      opts.log(`report ${r.name} (${r.ip}) ${r.state}${r.reason ? `: ${r.reason}` : ""}${r.exitCode !== undefined ? ` code ${r.exitCode}` : ""}`);
      const p = askUntilAnswered(nc, subject, body(r), opts)
        .then(() => void sent++)
        .catch((err) => {
          if (!(err instanceof Abandoned)) opts.log(`report ${r.name} ${r.state} refused: ${(err as Error).message}`);
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()]);
    },
    get sent() {
      return sent;
    },
  };
}
