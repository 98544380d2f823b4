/**
 * The coordinators' last presence beats, read from OVL_HEARTBEATS (last message per
 * ovl.hb.coord.<id>) with one short-lived consumer: `ovl nodes` says how many coordinators
 * serve and which code they run. A beat that does not parse is left out.
 */
import { DeliverPolicy, type NatsConnection } from "nats";
import { parseCoordinatorBeat, subjects, type CoordinatorBeat } from "@ovl/domain";

/**
 * Every stored coordinator beat (the caller keeps the fresh ones: liveCoordinators). [] without
 * the stream, and [] after `deadlineMs`: while the broker elects a stream leader the consumer
 * is made again and again, and `ovl status` / `ovl nodes` must answer meanwhile.
 */
export async function readCoordinatorBeats(nc: NatsConnection, expiresMs = 1000, deadlineMs = 3000): Promise<CoordinatorBeat[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CoordinatorBeat[]>((resolve) => {
    timer = setTimeout(() => resolve([]), deadlineMs);
  });
  try {
    return await Promise.race([storedBeats(nc, expiresMs), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function storedBeats(nc: NatsConnection, expiresMs: number): Promise<CoordinatorBeat[]> {
  const beats: CoordinatorBeat[] = [];
  try {
    const consumer = await nc.jetstream().consumers.get(subjects.STREAM_HEARTBEATS, {
      deliver_policy: DeliverPolicy.LastPerSubject,
      filterSubjects: subjects.COORDINATOR_BEATS_WILDCARD,
    });
    const info = await consumer.info(true);
    if (info.num_pending === 0) return beats;
    const messages = await consumer.fetch({ max_messages: 1000, expires: expiresMs });
    for await (const m of messages) {
      try {
        beats.push(parseCoordinatorBeat(m.data));
      } catch {
        // not a beat this version understands: not counted
      }
      if (m.info.pending === 0) break;
    }
  } catch {
    // no heartbeat stream yet, or not allowed to read it: no beats known
  }
  return beats;
}
