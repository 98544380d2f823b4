/** Reading OVL_EVENTS back in tests: its last sequence, and every event with its subject and Nats-Msg-Id. */
import { DeliverPolicy, type NatsConnection } from "nats";
import { parseEnvelope, subjects, type Envelope } from "@ovl/domain";
import { lastSequence } from "@ovl/client";

/** The stream's last sequence: the client's own reader of it. */
export const lastSeq = lastSequence;

export type Read = Envelope & { seq: number; subject: string; msgId: string | null };

/** Every valid event in the stream, in order (messages that are not events are left out). */
export async function readEvents(nc: NatsConnection): Promise<Read[]> {
  const last = await lastSeq(nc);
  const out: Read[] = [];
  if (last === 0) return out;
  const c = await nc.jetstream().consumers.get(subjects.STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  const it = await c.consume({ max_messages: 1000 });
  for await (const m of it) {
    if (m.seq >= last) it.stop();
    try {
      out.push({ ...parseEnvelope(m.data), seq: m.seq, subject: m.subject, msgId: m.headers?.get("Nats-Msg-Id") ?? null } as Read);
    } catch {
      // not an event: every reader skips it
    }
  }
  return out;
}
