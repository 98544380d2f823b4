/**
 * Follows OVL_EVENTS from a sequence with an ordered consumer, each message validated by
 * the client's `toItem` (a bad one is yielded as rejected, never thrown).
 *
 * Why not the client's `readEvents`: from sequence 1 it asks for DeliverPolicy.All, and
 * nats.js 2.29's ordered consumer then sends deliver_policy "all" together with
 * opt_start_seq 1, which nats-server 2.9.10 refuses; consume() retries forever and no
 * event ever arrives (measured: it hangs, while StartSequence from 1 replays at once).
 * This reader always starts by sequence. Replace it with readEvents once that is fixed.
 */
import { DeliverPolicy, type NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { toItem, type EventItem } from "@ovl/client";

export async function* followStream(nc: NatsConnection, since: number, signal: AbortSignal): AsyncGenerator<EventItem> {
  if (signal.aborted) return;
  const consumer = await nc.jetstream().consumers.get(
    subjects.STREAM_EVENTS,
    { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, since) },
  );
  // Bigger pulls than the default 100: a replay or a burst needs fewer round trips.
  const messages = await consumer.consume({ max_messages: 1000 });
  const stop = () => messages.stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const m of messages) yield toItem(m.seq, m.subject, m.data);
  } finally {
    signal.removeEventListener("abort", stop);
    messages.stop();
  }
}
