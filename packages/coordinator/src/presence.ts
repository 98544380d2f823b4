/**
 * The coordinator's presence beat: every few seconds, on ovl.hb.coord.<id>, that it serves
 * and which code it runs, so `ovl nodes` can say "coordinators: 2 (0.1.0+<commit>)" and a
 * rolling upgrade can be watched. The id stays the same across restarts of one coordinator
 * (its machine and its database), so a restarted one replaces its own last beat in
 * OVL_HEARTBEATS instead of adding one.
 */
import { hostname } from "node:os";
import type { NatsConnection } from "nats";
import { sha256 } from "@ovl/client";
import { COORDINATOR_BEAT_MS, buildVersion, encodeJson, subjects, type CoordinatorBeat } from "@ovl/domain";

/** Pure: 12 hex digits of the machine and the database path. */
export const presenceId = (host: string, dbPath: string): string => sha256(`${host}\0${dbPath}`).slice(0, 12);

export const presenceBeat = (id: string, host: string, now: Date, version = buildVersion(), extra: { seq?: number; since?: string } = {}): CoordinatorBeat =>
  ({ id, host: host.slice(0, 253), time: now.toISOString(), version, ...extra });

export interface PresenceOptions {
  readonly dbPath: string;
  /** @default COORDINATOR_BEAT_MS (5 s) */
  readonly everyMs?: number;
  readonly now?: () => Date;
  /** The sequence its projection has applied, sent in each beat. */
  readonly seq?: () => number;
  readonly log: (line: string) => void;
}

/** Beats now and every `everyMs`; the returned function stops it. */
export function startPresence(nc: NatsConnection, o: PresenceOptions): () => void {
  const host = hostname();
  const id = presenceId(host, o.dbPath);
  const now = o.now ?? (() => new Date());
  const since = now().toISOString();
  const beat = () => {
    try {
      const bytes = encodeJson(presenceBeat(id, host, now(), buildVersion(), { ...(o.seq ? { seq: o.seq() } : {}), since }));
      nc.publish(subjects.coordinatorBeatSubject(id), bytes);
    } catch (err) {
      o.log(`presence beat not sent: ${(err as Error).message}`);
    }
  };
  beat();
  const timer = setInterval(beat, o.everyMs ?? COORDINATOR_BEAT_MS);
  // A coordinator whose projection moved says so within a second, so `ovl status` does not
  // report it behind for a whole beat period.
  let said = o.seq?.() ?? 0;
  const moved = o.seq
    ? setInterval(() => {
        const seq = o.seq!();
        if (seq !== said) (said = seq), beat();
      }, 1000)
    : null;
  return () => {
    clearInterval(timer);
    if (moved) clearInterval(moved);
  };
}
