/**
 * Who the coordinators are, for `ovl status`: every coordinator answers a request on
 * COORDINATORS_PRESENCE (a plain subscription, no queue group, so each one answers) with its
 * id, version, the sequence its projection has applied and when it started. The asker
 * collects the answers of a short window.
 */
import { encodeJson, subjects } from "@ovl/domain";
import type { NatsConnection, Subscription } from "nats";

export const COORDINATOR_VERSION = "ovl-coordinator/0.1.0";

export interface CoordinatorPresence {
  readonly id: string;
  readonly version: string;
  readonly seq: number;
  readonly since: string;
}

export function answerPresence(nc: NatsConnection, who: { id: string; since: string; seq: () => number }, log: (line: string) => void): Subscription {
  return nc.subscribe(subjects.COORDINATORS_PRESENCE, {
    callback: (err, m) => {
      if (err) return log(`presence: ${err.message}`);
      const body: CoordinatorPresence = { id: who.id, version: COORDINATOR_VERSION, seq: who.seq(), since: who.since };
      if (m.reply) m.respond(encodeJson(body));
    },
  });
}
