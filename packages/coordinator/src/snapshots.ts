/**
 * The coordinators write the snapshots every reader starts from (client snapshots.ts):
 * each coordinator, after applying an event at a multiple of `every`, stores the fold at
 * that sequence unless a snapshot is already there. Coordinators fold the same stream, so
 * two writing the same sequence write the same bytes, and the Nats-Msg-Id of each chunk
 * stores it once. After writing, older snapshots are thinned (snapshotsToKeep).
 *
 * Writing is off the fold's path: the state is taken (sealed) when the sequence is
 * applied, encoded and sent after; snapshots due while one is being written wait, and of
 * those only the ones thinning would keep stay (snapshotsToWrite): a catch-up faster than
 * the writes still leaves them spread over the whole history.
 *
 * A reader opens from the newest snapshot and reads every event after it: up to `every` - 1
 * of them (a second and more for the TUI on a busy machine). So when the stream has been
 * quiet for QUIET_MS and the fold stands at least `quietGap` events past the newest snapshot
 * this writer took, it also takes one where the fold stands. Thinning keeps the newest few
 * whatever their sequence, so these replace each other and the multiples stay.
 */
import type { NatsConnection } from "nats";
import { snapshotsToKeep, snapshotsToWrite, type ClusterState } from "@ovl/domain";
import { ensureSnapshotStream } from "@ovl/broker-setup";
import { listSnapshots, removeSnapshots, streamFacts, writeSnapshot } from "@ovl/client";

/** How long the stream stays quiet before the fold is snapshotted where it stands. */
export const QUIET_MS = 1000;
/** @default events past the newest snapshot that make a quiet one worth writing */
export const QUIET_GAP = 1000;

export interface SnapshotWriter {
  /** Called after each applied event; takes the state only at a multiple of `every`, or once quiet. */
  after(seq: number, state: () => ClusterState): void;
  /** Waits for the write in progress. */
  stop(): Promise<void>;
}

export function snapshotWriter(nc: NatsConnection, every: number, log: (line: string) => void, quietGap = QUIET_GAP): SnapshotWriter {
  let clusterId: string | null = null;
  /** The newest sequence taken (written or waiting); the last applied and its state; what the last quiet check saw. */
  let taken = 0;
  let last = 0;
  let lastState: (() => ClusterState) | null = null;
  let checked = -1;
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let ensured = false;
  let waiting = new Map<number, ClusterState>();
  let running: Promise<void> | null = null;
  let stopped = false;

  async function write(seq: number, state: ClusterState): Promise<void> {
    if (!ensured) {
      await ensureSnapshotStream(await nc.jetstreamManager({ checkAPI: false }));
      ensured = true;
    }
    clusterId ??= (await streamFacts(nc)).clusterId;
    if (clusterId === null) return; // no cluster yet: nothing to identify a snapshot by
    const t0 = Date.now();
    if (!(await writeSnapshot(nc, state, { clusterId, seq }))) return;
    const all = await listSnapshots(nc);
    const keep = snapshotsToKeep(all, every);
    await removeSnapshots(nc, all.filter((s) => !keep.has(s)));
    log(`snapshot at seq ${seq} written in ${Date.now() - t0} ms`);
  }

  function drain(): void {
    if (running || waiting.size === 0 || stopped) return;
    const seq = Math.max(...waiting.keys()); // the newest first: it is what readers open from
    const state = waiting.get(seq)!;
    waiting.delete(seq);
    running = write(seq, state)
      .catch((err) => log(`snapshot at seq ${seq} not written: ${(err as Error).message}`))
      .finally(() => {
        running = null;
        drain();
      });
  }

  /** One timer for a whole burst (not one per event): it re-arms while events still arrive. */
  function checkQuiet(): void {
    quiet = undefined;
    if (stopped) return;
    if (last !== checked) {
      checked = last;
      quiet = setTimeout(checkQuiet, QUIET_MS);
      return;
    }
    if (last - taken < quietGap || !lastState) return;
    taken = last;
    waiting.set(last, lastState());
    drain();
  }

  return {
    after(seq, state) {
      if (every <= 0) return;
      last = seq;
      lastState = state;
      quiet ??= setTimeout(checkQuiet, QUIET_MS);
      if (seq % every !== 0) return;
      taken = Math.max(taken, seq);
      const next = new Map<number, ClusterState>();
      for (const s of snapshotsToWrite([...waiting.keys()], seq, every)) next.set(s, waiting.get(s) ?? state());
      waiting = next;
      drain();
    },
    async stop() {
      stopped = true;
      clearTimeout(quiet);
      await running;
    },
  };
}
