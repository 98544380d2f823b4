/**
 * Reading the history: an ordered consumer on OVL_EVENTS from a sequence, optionally
 * following live. Every message is validated; one that fails is yielded as a rejected
 * item (reported, skipped), never thrown, so one bad byte cannot stop a reader.
 */
import type { JetStreamClient, NatsConnection } from "nats";
import { parseEnvelope, subjects, type StoredEvent } from "@ovl/domain";

export type EventItem =
  | { readonly ok: true; readonly event: StoredEvent }
  | { readonly ok: false; readonly seq: number; readonly subject: string; readonly error: string };

export interface ReadEventsOptions {
  /** First sequence to read. @default 1 */
  readonly since?: number;
  /** Keep following live after the history. @default false */
  readonly follow?: boolean;
  /** A subject filter inside ovl.evt.> (one subject: server 2.9). @default "ovl.evt.>" */
  readonly filter?: string;
  /** Stop following (the iterator ends). */
  readonly signal?: AbortSignal;
}

export function toItem(seq: number, subject: string, data: Uint8Array): EventItem {
  try {
    return { ok: true, event: { ...parseEnvelope(data), seq, subject } };
  } catch (err) {
    return { ok: false, seq, subject, error: (err as Error).message };
  }
}

async function lastSequence(js: JetStreamClient): Promise<number> {
  const stream = await js.streams.get(subjects.STREAM_EVENTS);
  return (await stream.info()).state.last_seq;
}

/** Without --follow, a reader whose filter matches nothing more ends after this quiet time. */
const QUIET_END_MS = 1500;

export async function* readEvents(nc: NatsConnection, opts: ReadEventsOptions = {}): AsyncGenerator<EventItem> {
  const js = nc.jetstream();
  const filter = opts.filter ?? subjects.EVENTS_WILDCARD;
  const until = opts.follow ? Infinity : await lastSequence(js);
  const since = Math.max(1, opts.since ?? 1);
  if (until < since) return;
  const consumer = await js.consumers.get(subjects.STREAM_EVENTS, {
    filterSubjects: filter,
    // The ordered consumer always sends a start sequence itself: naming DeliverPolicy.All
    // beside it is refused by the server and retried forever, so give only the sequence.
    opt_start_seq: since,
  });
  const messages = await consumer.consume();
  const stop = () => messages.stop();
  opts.signal?.addEventListener("abort", stop, { once: true });
  // A filtered history may hold nothing after `since`: end on quiet instead of waiting.
  let quiet = opts.follow ? undefined : setTimeout(stop, QUIET_END_MS);
  try {
    for await (const m of messages) {
      if (quiet) clearTimeout(quiet);
      yield toItem(m.seq, m.subject, m.data);
      if (m.seq >= until || (!opts.follow && m.info.pending === 0)) break;
      if (!opts.follow) quiet = setTimeout(stop, QUIET_END_MS);
    }
  } finally {
    if (quiet) clearTimeout(quiet);
    opts.signal?.removeEventListener("abort", stop);
    messages.stop();
  }
}
