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
 */
import type { NatsConnection } from "nats";
import { snapshotsToKeep, snapshotsToWrite, type ClusterState } from "@ovl/domain";
import { ensureSnapshotStream } from "@ovl/broker-setup";
import { listSnapshots, removeSnapshots, streamFacts, writeSnapshot } from "@ovl/client";

export interface SnapshotWriter {
  /** Called after each applied event; takes the state only at a multiple of `every`. */
  after(seq: number, state: () => ClusterState): void;
  /** Waits for the write in progress. */
  stop(): Promise<void>;
}

export function snapshotWriter(nc: NatsConnection, every: number, log: (line: string) => void): SnapshotWriter {
  let clusterId: string | null = null;
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

  return {
    after(seq, state) {
      if (every <= 0 || seq % every !== 0) return;
      const next = new Map<number, ClusterState>();
      for (const s of snapshotsToWrite([...waiting.keys()], seq, every)) next.set(s, waiting.get(s) ?? state());
      waiting = next;
      drain();
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}
