/**
 * Reading the history: OVL_EVENTS from a sequence (follow-stream.ts), optionally following live.
 * Every message is validated: one that fails is yielded as a rejected item (reported,
 * skipped), never thrown, so one bad byte cannot stop a reader.
 */
import type { NatsConnection } from "nats";
import { parseEnvelope, subjects, type StoredEvent } from "@ovl/domain";
import { followStream } from "./follow-stream.js";

export type EventItem =
  | { readonly ok: true; readonly event: StoredEvent }
  | { readonly ok: false; readonly seq: number; readonly subject: string; readonly error: string };

export interface ReadEventsOptions {
  /** First sequence to read. @default 1 */
  readonly since?: number;
  /** Keep following live after the history (across broker restarts). @default false */
  readonly follow?: boolean;
  /** A subject filter inside ovl.evt.> (one subject: server 2.9). @default "ovl.evt.>" */
  readonly filter?: string;
  /** Stop following (the iterator ends). */
  readonly signal?: AbortSignal;
  /** Told when following had to start again (a broker restart). @default nothing */
  readonly log?: (line: string) => void;
}

export function toItem(seq: number, subject: string, data: Uint8Array): EventItem {
  try {
    // The envelope was just parsed and is ours: add the two fields in place (no copy per event).
    const event = parseEnvelope(data) as { seq?: number; subject?: string };
    event.seq = seq;
    event.subject = subject;
    return { ok: true, event: event as StoredEvent };
  } catch (err) {
    return { ok: false, seq, subject, error: (err as Error).message };
  }
}

/** OVL_EVENTS's last sequence (0 when empty): where "caught up" is. */
export async function lastSequence(nc: NatsConnection): Promise<number> {
  // One STREAM.INFO request (streams.get then info() would be two).
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  return (await jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq;
}

/** Without --follow, a reader whose filter matches nothing more ends after this quiet time. */
const QUIET_END_MS = 1500;

export async function* readEvents(nc: NatsConnection, opts: ReadEventsOptions = {}): AsyncGenerator<EventItem> {
  if (opts.signal?.aborted) return;
  const until = opts.follow ? Infinity : await lastSequence(nc);
  const since = Math.max(1, opts.since ?? 1);
  if (until < since) return;
  let items: EventItem[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const end = () => {
    ended = true;
    wake?.();
  };
  // A filtered history may hold nothing after `since`: end on quiet instead of waiting.
  let quiet = opts.follow ? undefined : setTimeout(end, QUIET_END_MS);
  const follower = followStream({
    nc,
    stream: subjects.STREAM_EVENTS,
    from: since,
    ...(opts.filter && opts.filter !== subjects.EVENTS_WILDCARD ? { filter: opts.filter } : {}),
    log: opts.log ?? (() => undefined),
    onMessage: (m) => {
      if (ended) return;
      items.push(toItem(m.seq, m.subject, m.data));
      if (!opts.follow) {
        clearTimeout(quiet);
        if (m.seq >= until || m.info.pending === 0) ended = true;
        else quiet = setTimeout(end, QUIET_END_MS);
      }
      wake?.();
    },
  });
  opts.signal?.addEventListener("abort", end, { once: true });
  try {
    for (;;) {
      const batch = items;
      items = [];
      for (const item of batch) {
        if (opts.signal?.aborted) return;
        yield item;
      }
      if (ended && items.length === 0) return;
      if (items.length > 0) continue;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    clearTimeout(quiet);
    opts.signal?.removeEventListener("abort", end);
    await follower.stop();
  }
}
