/**
 * Points of the history as people name them (`--at`, `ovl diff A B`): a sequence number, an
 * ISO time, or a time relative to now (`90s`, `10m`, `2h`, `1d`). `parseAt` is pure;
 * `sequenceAt` turns a point into the last sequence of the history it includes.
 *
 * For the time: JetStream keeps a store time per message; a consumer created with
 * `deliver_policy: by_start_time` starts at the first message stored at or after a time
 * (server 2.9 has no direct get by time: `start_time` on MSG.GET came in 2.11). The state
 * "at" a time holds every event stored at or before it: up to the sequence before the first
 * event stored after it. The store time is the server's clock and the envelope's `time` the
 * coordinator's; on one machine they agree to the millisecond, across machines to their
 * clocks' offset.
 */
import { AckPolicy, DeliverPolicy, nanos, nuid, type NatsConnection } from "nats";
import { OvlError, OvlErrorCodes, subjects } from "@ovl/domain";
import { lastSequence } from "./events.js";

export type AtTarget = { readonly kind: "seq"; readonly seq: number } | { readonly kind: "time"; readonly time: Date };

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** 2026-01-02, 2026-01-02T03:04, ...:05, ...:05.678, with Z or an offset (no zone: UTC). */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const bad = (raw: string): OvlError =>
  new OvlError(OvlErrorCodes.InvalidInput, `invalid point of the history ${JSON.stringify(raw)}: expected a sequence (42), an ISO time (2026-01-02T03:04:05Z) or a time ago (90s, 10m, 2h, 1d)`);

/** Reads `--at` input; a relative time counts back from `now`. Pure. */
export function parseAt(raw: string, now: Date): AtTarget {
  const s = raw.trim();
  if (/^\d{1,15}$/.test(s)) return { kind: "seq", seq: Number(s) };
  const rel = /^(\d{1,9})([smhd])$/.exec(s);
  if (rel) return { kind: "time", time: new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]) };
  if (ISO.test(s)) {
    const zoned = /T.*(Z|[+-]\d{2}:\d{2})$/.test(s) || !s.includes("T") ? s : `${s}Z`;
    const ms = Date.parse(zoned);
    if (Number.isFinite(ms)) return { kind: "time", time: new Date(ms) };
  }
  throw bad(raw);
}

/** The first sequence of OVL_EVENTS stored at or after `time`; null when none is. */
export async function firstSequenceAtOrAfter(nc: NatsConnection, time: Date): Promise<number | null> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const name = `ovl_at_${nuid.next()}`;
  const info = await jsm.consumers.add(subjects.STREAM_EVENTS, {
    name,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: time.toISOString(),
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(10_000),
  });
  try {
    if (info.num_pending === 0) return null;
    const consumer = await nc.jetstream().consumers.get(subjects.STREAM_EVENTS, name);
    const m = await consumer.next({ expires: 5000 });
    return m ? m.seq : null;
  } finally {
    await jsm.consumers.delete(subjects.STREAM_EVENTS, name).catch(() => undefined);
  }
}

/**
 * The last sequence the history at `target` includes: a sequence as given (at most the
 * stream's last), a time as every event stored at or before it (0: before the first).
 */
export async function sequenceAt(nc: NatsConnection, target: AtTarget): Promise<number> {
  const last = await lastSequence(nc);
  if (target.kind === "seq") return Math.min(target.seq, last);
  const after = await firstSequenceAtOrAfter(nc, new Date(target.time.getTime() + 1));
  return after === null ? last : after - 1;
}
