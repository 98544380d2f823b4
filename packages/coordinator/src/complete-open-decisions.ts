/**
 * Completing decisions cut between their events. A request that appended its first events
 * but not its last has an open row in the requests table (projection/replies.ts) holding
 * the command that completes it; deciding it again under the same request id appends only
 * what is missing, with the same Nats-Msg-Ids. Rows open at start are completed at once;
 * later ones after `graceMs`, since the coordinator that decided them is probably still
 * appending. Each is tried once per process: a completion that is refused stays refused.
 */
import type { ClusterState } from "@ovl/domain";
import type { Pipeline } from "./pipeline/pump.js";
import type { Projection } from "./projection/store.js";
import { joinReply } from "./projection/replies.js";

export interface CompleterDeps {
  readonly pipeline: Pipeline;
  readonly projection: Projection;
  readonly log: (line: string) => void;
  readonly graceMs: number;
  /** @default 500 */
  readonly intervalMs?: number;
}

export function completeOpenDecisions(d: CompleterDeps): { stop(): void } {
  const firstSeen = new Map<string, number>();
  const tried = new Set<string>();
  const sweep = (): void => {
    for (const o of d.projection.openDecisions()) {
      if (tried.has(o.id) || d.pipeline.has(o.id)) continue;
      if (!firstSeen.has(o.id)) firstSeen.set(o.id, Date.now());
      if (Date.now() - firstSeen.get(o.id)! < d.graceMs) continue;
      tried.add(o.id);
      d.log(`completing ${o.open.type} ${o.open.data.node} (request ${o.id}, cut after seq ${o.seq})`);
      const noop = (state: ClusterState, seq: number) => (o.open.type === "JoinNode" ? joinReply(state, o.open.data.node, seq) : { seq });
      void d.pipeline.submit({ id: o.id, command: o.open, noop }).then(
        (reply) => !reply.ok && d.log(`completing request ${o.id}: ${reply.error.message}`),
        (err: Error) => d.log(`completing request ${o.id}: ${err.message}`),
      );
    }
  };
  for (const o of d.projection.openDecisions()) firstSeen.set(o.id, 0);
  sweep();
  const timer = setInterval(sweep, d.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
