/**
 * The cluster at a sequence, computed on demand: the nearest snapshot at or before it,
 * then the events after the snapshot up to the sequence (`ovl ps --at`, the TUI's time
 * travel, an agent's start). Invalid events are logged and skipped, as every reader does.
 */
import type { NatsConnection } from "nats";
import { StateDraft, emptyState, eventOf, subjects, type ClusterState, type StreamFacts } from "@ovl/domain";
import { followStream } from "./follow-stream.js";
import { toItem, type EventItem } from "./events.js";
import { loadSnapshot, streamFacts } from "./snapshots.js";

export interface StateAt {
  readonly state: ClusterState;
  /** The sequence the state is at (the stream's last when asked past it). */
  readonly seq: number;
  /** Where the fold started: the snapshot's sequence, or 0. */
  readonly from: number;
}

/**
 * Hands over the events `from`..`to` in order (each once), then resolves. For a range the
 * stream holds: sequences missing inside it (a purge) end the read at the stream's last.
 */
export async function readRange(nc: NatsConnection, from: number, to: number, onItem: (item: EventItem) => void, log: (line: string) => void): Promise<void> {
  if (to < from) return;
  let done!: () => void;
  let failed!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => ((done = resolve), (failed = reject)));
  const follower = followStream({
    nc,
    stream: subjects.STREAM_EVENTS,
    from,
    batch: 4096,
    log,
    onMessage: (m) => {
      if (m.seq > to) return done();
      try {
        onItem(toItem(m.seq, m.subject, m.data));
      } catch (err) {
        return failed(err); // a reader that throws ends the read instead of leaving it waiting
      }
      if (m.seq >= to) done();
    },
  });
  try {
    await finished;
  } finally {
    await follower.stop();
  }
}

/** The state right after the event at `seq` (clamped to the stream's last). */
export async function stateAt(nc: NatsConnection, seq: number, log: (line: string) => void, facts?: StreamFacts): Promise<StateAt> {
  const f = facts ?? (await streamFacts(nc));
  const target = Math.min(seq, f.lastSeq);
  const snap = target > 0 ? await loadSnapshot(nc, { atOrBefore: target, facts: f, log }) : null;
  const draft = new StateDraft(snap?.state ?? emptyState);
  const from = snap?.head.seq ?? 0;
  await readRange(nc, from + 1, target, (item) => {
    if (item.ok) draft.apply(eventOf(item.event), item.event);
    else log(`skipped event ${item.seq} on ${item.subject}: ${item.error}`);
  }, log);
  return { state: draft.state, seq: target, from };
}

/** Where a read from a snapshot starts: its sequence and the fold there. */
export interface ReadStart {
  readonly seq: number;
  readonly state: ClusterState;
}

/**
 * The nearest snapshot at or before `seq`, or `held` (a state the caller holds) when it is
 * nearer, then every event after it up to `to`, handed to the reader `begin` returns for
 * that start as each arrives (the TUI's time travel folds as it reads, so it holds what it
 * keeps, not the whole read). Returns the last sequence read to.
 */
export async function snapshotAndEvents(
  nc: NatsConnection,
  seq: number,
  to: number,
  log: (line: string) => void,
  begin: (start: ReadStart) => (item: EventItem) => void,
  held?: ReadStart,
): Promise<number> {
  const f = await streamFacts(nc);
  const last = Math.min(to, f.lastSeq);
  const opts = held ? { after: held.seq } : {};
  const snap = seq > 0 ? await loadSnapshot(nc, { atOrBefore: Math.min(seq, f.lastSeq), facts: f, log, ...opts }) : null;
  const start = snap ? { seq: snap.head.seq, state: snap.state } : held && held.seq <= seq ? held : { seq: 0, state: emptyState };
  await readRange(nc, start.seq + 1, last, begin(start), log);
  return last;
}
