/**
 * The coordinators' last presence beats, read from OVL_HEARTBEATS (last message per
 * ovl.hb.coord.<id>) with one short-lived consumer: `ovl nodes` says how many coordinators
 * serve and which code they run. A beat that does not parse is left out.
 *
 * The read is bounded: while the broker elects a stream leader, making the consumer fails
 * again and again, and `ovl status` / `ovl nodes` must answer meanwhile. They then say the
 * beats could not be read, not that no coordinator beat. At the bound the read is aborted:
 * it stops retrying and deletes its consumer, it does not run on until the client closes.
 */
import { AckPolicy, DeliverPolicy, nanos, type ConsumerInfo, type JetStreamManager, type NatsConnection } from "nats";
import { parseCoordinatorBeat, subjects, type CoordinatorBeat } from "@ovl/domain";
import { JsApiErrorCodes, jsApiErrorCode } from "./jsapi.js";

/** The beats read (none is an answer: no coordinator beat), or why they could not be read. */
export type BeatsRead = { readonly read: true; readonly beats: CoordinatorBeat[] } | { readonly read: false; readonly why: string };

const RETRY_MS = 250;

/** Every stored coordinator beat (the caller keeps the fresh ones: liveCoordinators); none without the stream. */
export async function readCoordinatorBeats(nc: NatsConnection, expiresMs = 1000, deadlineMs = 3000): Promise<BeatsRead> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deadlineMs);
  const late = new Promise<BeatsRead>((resolve) =>
    abort.signal.addEventListener("abort", () => resolve({ read: false, why: `no answer from the broker within ${deadlineMs / 1000} s` }), { once: true }),
  );
  try {
    return await Promise.race([storedBeats(nc, expiresMs, deadlineMs, abort.signal), late]);
  } finally {
    clearTimeout(timer);
    abort.abort(); // the losing read stops
  }
}

async function storedBeats(nc: NatsConnection, expiresMs: number, deadlineMs: number, signal: AbortSignal): Promise<BeatsRead> {
  const jsm = await nc.jetstreamManager({ checkAPI: false, timeout: deadlineMs });
  let made: ConsumerInfo | undefined;
  try {
    made = await makeConsumer(jsm, signal);
    if (made.num_pending === 0) return { read: true, beats: [] };
    return { read: true, beats: await fetchBeats(nc, made.name, expiresMs, signal) };
  } catch (err) {
    if (jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) return { read: true, beats: [] };
    return { read: false, why: (err as Error).message };
  } finally {
    if (made) jsm.consumers.delete(subjects.STREAM_HEARTBEATS, made.name).catch(() => undefined);
  }
}

/** An ephemeral consumer of the last beat per coordinator, made again until it is or `signal` aborts. */
async function makeConsumer(jsm: JetStreamManager, signal: AbortSignal): Promise<ConsumerInfo> {
  for (;;) {
    try {
      return await jsm.consumers.add(subjects.STREAM_HEARTBEATS, {
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.LastPerSubject,
        filter_subject: subjects.COORDINATOR_BEATS_WILDCARD,
        mem_storage: true,
        num_replicas: 1,
        // Gone by itself should the delete below be lost.
        inactive_threshold: nanos(10_000),
      });
    } catch (err) {
      if (signal.aborted || jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) throw err;
      await new Promise((r) => setTimeout(r, RETRY_MS));
      if (signal.aborted) throw err;
    }
  }
}

async function fetchBeats(nc: NatsConnection, name: string, expiresMs: number, signal: AbortSignal): Promise<CoordinatorBeat[]> {
  const consumer = await nc.jetstream().consumers.get(subjects.STREAM_HEARTBEATS, name);
  const messages = await consumer.fetch({ max_messages: 1000, expires: expiresMs });
  const stop = () => messages.stop();
  signal.addEventListener("abort", stop, { once: true });
  const beats: CoordinatorBeat[] = [];
  try {
    for await (const m of messages) {
      try {
        beats.push(parseCoordinatorBeat(m.data));
      } catch {
        // not a beat this version understands: not counted
      }
      if (m.info.pending === 0) break;
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  return beats;
}
