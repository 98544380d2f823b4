/**
 * A tiny stand-in coordinator for the agent's control-side tests (the real one is another
 * package): it answers the agents' report requests (join, container, left) and the test's
 * own commands with the shared domain `decide`, appends the decided events to OVL_EVENTS
 * (expected last sequence, as the real one does), and records every request it received.
 * It decides nothing itself: every rule is the domain's.
 */
import type { JetStreamClient, NatsConnection, Subscription } from "nats";
import {
  applyStored,
  decide,
  emptyState,
  encodeEnvelope,
  envelope,
  errorReply,
  encodeJson,
  okReply,
  parseCommandData,
  parseRequest,
  subjectFor,
  subjects,
  type ClusterState,
  type CommandType,
  type OvlCommand,
} from "@ovl/domain";

export interface Received {
  readonly node: string;
  readonly kind: string;
  readonly body: unknown;
}

const COMMAND_OF = {
  join: "JoinNode",
  container: "ReportContainer",
  left: "CompleteLeave",
  "docker-reserve": "ReserveDockerAddress",
  "docker-claim": "ClaimDockerAddress",
  "docker-release": "ReleaseDockerAddress",
} as const;

export class Responder {
  state: ClusterState = emptyState;
  last = 0;
  readonly received: Received[] = [];
  private sub: Subscription | null = null;
  private readonly js: JetStreamClient;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly nc: NatsConnection) {
    this.js = nc.jetstream();
  }

  /** Applies a command (serially), appends its events; returns their sequences. */
  command<T extends CommandType>(type: T, data: unknown): Promise<number[]> {
    const run = async () => {
      const cmd = { type, data: parseCommandData(type, data), metadata: { now: new Date().toISOString(), requestId: `t${Date.now()}` } } as OvlCommand;
      const seqs: number[] = [];
      for (const event of decide(cmd, this.state)) {
        const env = envelope(event, cmd.metadata.now);
        const ack = await this.js.publish(subjectFor(event), encodeEnvelope(env), { expect: { lastSequence: this.last } });
        this.state = applyStored(this.state, env);
        this.last = ack.seq;
        seqs.push(ack.seq);
      }
      return seqs;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Starts answering ovl.rpt.*.*; `refuse` makes every request of a kind fail (to test refusals). */
  listen(): void {
    this.sub = this.nc.subscribe(subjects.REPORTS_WILDCARD, {
      callback: (_err, msg) => {
        const where = subjects.parseReportSubject(msg.subject);
        if (!where) return;
        void (async () => {
          try {
            const req = parseRequest(msg.data);
            this.received.push({ node: where.node, kind: where.kind, body: req.body });
            const seqs = await this.command(COMMAND_OF[where.kind], req.body);
            // As the coordinator's: the sequence of the last event the request made.
            msg.respond(encodeJson(okReply({ node: where.node, seq: seqs.at(-1) ?? this.last })));
          } catch (err) {
            msg.respond(encodeJson(errorReply(err)));
          }
        })();
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
