/**
 * Where an agent starts its fold: the newest of its own snapshot file (`<stateDir>/fold.snapshot`)
 * and the coordinators' snapshots (client snapshots.ts), each checked against the stream
 * like any snapshot (cluster, sequence range, the event at its sequence, digest). One that
 * does not match, or cannot be read, is dropped with a log line; with none the fold starts
 * at the beginning. The file lets an agent start fast while the snapshot stream is out of
 * reach or behind; it is written every `every` events and when the agent stops, atomically
 * (a temporary file renamed over it), in the same format: the head's JSON on the first
 * line, then the state's canonical JSON.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { decodeSnapshotState, encodeSnapshot, parseSnapshotHead, type ClusterState, type Snapshot, type StreamFacts } from "@ovl/domain";
import { eventHashAt, listSnapshots, loadSnapshot, sha256, snapshotProblem, streamFacts } from "@ovl/client";

export const SNAPSHOT_FILE = "fold.snapshot";

/** The file's snapshot, or a reason it cannot be used; null when there is no file. */
async function readFileSnapshot(path: string): Promise<Snapshot | string | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    return (err as Error).message;
  }
  try {
    const nl = text.indexOf("\n");
    if (nl < 0) return "no head line";
    const head = parseSnapshotHead(JSON.parse(text.slice(0, nl)));
    return { head, state: decodeSnapshotState(text.slice(nl + 1), head, sha256) };
  } catch (err) {
    return (err as Error).message;
  }
}

export interface Start {
  readonly snapshot: Snapshot | null;
  /** The cluster's identity, once the stream holds its ClusterCreated event. */
  readonly clusterId: string | null;
}

/** The newest usable snapshot for this stream, from the file or the snapshot stream. Never throws. */
export async function startingSnapshot(nc: NatsConnection, stateDir: string, log: (line: string) => void): Promise<Start> {
  let facts: StreamFacts;
  try {
    facts = await streamFacts(nc);
  } catch (err) {
    log(`snapshots not used: ${(err as Error).message}`);
    return { snapshot: null, clusterId: null };
  }
  const path = join(stateDir, SNAPSHOT_FILE);
  let local: Snapshot | null = null;
  try {
    const got = await readFileSnapshot(path);
    const problem = got === null ? null : typeof got === "string" ? got : await snapshotProblem(nc, got.head, facts);
    if (problem !== null) log(`local snapshot ${path} ignored: ${problem}`);
    else local = got as Snapshot | null;
    // The snapshot stream only when it holds a newer one.
    const newest = (await listSnapshots(nc)).at(-1) ?? 0;
    const shared = newest > (local?.head.seq ?? 0) ? await loadSnapshot(nc, { facts, log }) : null;
    const best = shared && shared.head.seq > (local?.head.seq ?? 0) ? shared : local;
    return { snapshot: best, clusterId: facts.clusterId };
  } catch (err) {
    log(`snapshots: ${(err as Error).message}`);
    return { snapshot: local, clusterId: facts.clusterId };
  }
}

/** The cluster's identity, or null (no cluster yet, or the stream out of reach). */
export async function clusterIdOf(nc: NatsConnection): Promise<string | null> {
  return (await streamFacts(nc).catch(() => null))?.clusterId ?? null;
}

/** Writes the agent's snapshot of `state` at `seq`; logs and gives up on any failure. */
export async function saveLocalSnapshot(nc: NatsConnection, stateDir: string, state: ClusterState, at: { clusterId: string; seq: number }, log: (line: string) => void): Promise<void> {
  try {
    const eventHash = await eventHashAt(nc, at.seq);
    if (eventHash === null) return;
    const { head, text } = encodeSnapshot(state, { ...at, eventHash }, sha256);
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, SNAPSHOT_FILE);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(head)}\n${text}`);
    await rename(tmp, path);
  } catch (err) {
    log(`local snapshot at seq ${at.seq} not written: ${(err as Error).message}`);
  }
}
