/**
 * The one live link between NATS and the store.
 *
 * How it works: the client's readEvents replays OVL_EVENTS from the last sequence the
 * store holds + 1 and keeps following. When `nc.status()` says the
 * connection dropped, the round is aborted and the header says so; on reconnect a new
 * round starts from the last sequence held + 1, so nothing is missed and nothing is
 * applied twice (History ignores a sequence it already has). Heartbeats are not history:
 * a core subscription on ovl.hb.> plus, at start and after each reconnect, the last beat
 * per node kept by the OVL_HEARTBEATS stream.
 */
import { DeliverPolicy, Events, type NatsConnection, type NatsError } from "nats";
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";
import { parseCoordinatorBeat, parseHeartbeat, subjects } from "@ovl/domain";
import { lastSequence, loadSnapshot, readEvents, streamFacts, timing } from "@ovl/client";
import type { ClusterStore } from "./cluster-store.js";
import { historyPager } from "./pager.js";

export interface Feed {
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    // The listener goes away with the timer: a long outage polls here every second and
    // must not pile up listeners on the one `stopped` signal.
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Benchmarks compare with the start without snapshots: OVL_NO_SNAPSHOTS=1. */
const useSnapshots = process.env.OVL_NO_SNAPSHOTS !== "1";

/** One round: replay from what the store holds (at first, from the newest snapshot), then follow until aborted or broken. */
async function followRound(nc: NatsConnection, store: ClusterStore, signal: AbortSignal): Promise<void> {
  const fromSnapshot = useSnapshots && store.history.lastSeq === 0;
  // The stream's facts give the last sequence too: one request where a snapshot will be checked against them.
  const facts = fromSnapshot ? await streamFacts(nc) : null;
  const target = facts?.lastSeq ?? (await lastSequence(nc));
  timing(`tui: the stream ends at seq ${target}`);
  if (facts && target > 0) {
    store.setLink("loading", "reading the newest snapshot");
    // A snapshot that does not match the stream is skipped; with none, the whole history is read.
    // Unreadable snapshots (an older broker's permissions) only cost the full read.
    const snap = await loadSnapshot(nc, { atOrBefore: target, facts, log: () => undefined }).catch(() => null);
    if (snap) store.rebase(snap.head.seq, snap.state);
    timing(snap ? `tui: from the snapshot at seq ${snap.head.seq}` : "tui: no snapshot");
  }
  const from = store.history.lastSeq + 1;
  store.setLink(target >= from ? "loading" : "live", target >= from ? `catching up to seq ${target}` : "");
  let read = 0;
  for await (const item of readEvents(nc, { since: from, follow: true, signal })) {
    store.appendEvents([item]);
    read++;
    if (store.link.phase === "loading" && store.history.lastSeq >= target) {
      store.setLink("live");
      timing(`tui: live after ${read} events`);
    }
  }
}

interface Rounds {
  current?: AbortController;
  /** False between a Disconnect and the next Reconnect status. */
  connected: boolean;
}

async function followEvents(nc: NatsConnection, store: ClusterStore, stopped: AbortSignal, rounds: Rounds): Promise<void> {
  while (!stopped.aborted) {
    if (nc.isClosed()) return;
    if (!rounds.connected) {
      await sleep(100, stopped);
      continue;
    }
    const round = new AbortController();
    rounds.current = round;
    const signal = AbortSignal.any([stopped, round.signal]);
    try {
      await followRound(nc, store, signal);
    } catch (err) {
      if (!signal.aborted && rounds.connected) store.setLink("down", describe(err));
    }
    // Ended by a disconnect (resumed on reconnect) or an error (retried shortly).
    await sleep(signal.aborted ? 50 : 1000, stopped);
  }
}

function describe(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  if (jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) return `stream ${subjects.STREAM_EVENTS} not found: start a coordinator (\`ovl coordinator\`)`;
  return msg;
}

async function seedHeartbeats(nc: NatsConnection, store: ClusterStore): Promise<void> {
  try {
    const consumer = await nc.jetstream().consumers.get(subjects.STREAM_HEARTBEATS, {
      deliver_policy: DeliverPolicy.LastPerSubject,
      filterSubjects: subjects.HEARTBEATS_WILDCARD,
    });
    const messages = await consumer.fetch({ max_messages: 10_000, expires: 1000 });
    for await (const m of messages) {
      putBeat(store, m.data, m.subject);
      if (m.info.pending === 0) break;
    }
  } catch {
    // No heartbeat stream yet: live beats will fill the table.
  }
}

/** A node's heartbeat, or a coordinator's presence beat (ovl.hb.coord.<id>, same stream). */
function putBeat(store: ClusterStore, data: Uint8Array, subject: string): void {
  try {
    if (subject.startsWith(subjects.coordinatorBeatSubject(""))) store.putCoordinatorBeat(parseCoordinatorBeat(data));
    else store.putHeartbeat(parseHeartbeat(data));
  } catch {
    // A malformed beat is not shown; the node's row keeps its last good one.
  }
}

async function watchStatus(nc: NatsConnection, store: ClusterStore, rounds: Rounds): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === Events.Disconnect) {
      rounds.connected = false;
      store.setLink("down", `NATS connection lost (${String(s.data)}): reconnecting…`);
      rounds.current?.abort();
    } else if (s.type === Events.Reconnect) {
      rounds.connected = true;
      store.setLink("loading", `reconnected to ${String(s.data)}, resuming from seq ${store.history.lastSeq + 1}`);
      rounds.current?.abort();
      void seedHeartbeats(nc, store);
    }
  }
}

/** Starts following; `stop()` ends every loop and subscription it started. */
export function startFeed(nc: NatsConnection, store: ClusterStore): Feed {
  const stopped = new AbortController();
  const rounds: Rounds = { connected: !nc.isClosed() };
  store.setPager(historyPager(nc));
  const hb = nc.subscribe(subjects.HEARTBEATS_WILDCARD, { callback: (err, m) => err || putBeat(store, m.data, m.subject) });
  void seedHeartbeats(nc, store);
  void watchStatus(nc, store, rounds).catch(() => undefined);
  const events = followEvents(nc, store, stopped.signal, rounds);
  return {
    async stop() {
      stopped.abort();
      store.setPager(null);
      hb.unsubscribe();
      await events.catch(() => undefined);
    },
  };
}
