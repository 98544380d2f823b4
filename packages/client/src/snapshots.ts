/**
 * Snapshots of the fold in OVL_SNAPSHOTS: the one mechanism every reader starts from (the
 * agents, the TUI, `ovl ps/nodes --at`); the coordinators write them (coordinator
 * snapshots.ts). Pure decisions live in the domain (snapshot.ts); this is the I/O.
 *
 * How one is stored: the state's canonical JSON, gzipped, in chunks of CHUNK_BYTES on
 * `ovl.snap.<seq>.data` (so a large cluster fits under a default 1 MB max_payload), then
 * a head on `ovl.snap.<seq>.head` naming the chunks' stream sequences. Readers list the
 * heads (stream info with a subject filter) and read single messages by sequence: the same
 * two API calls the reader roles already have, no consumer. Why not the JetStream object
 * store: it reads and lists through ordered consumers on a stream of its own, which needs
 * more permissions per role and brings back the recovery behaviour followStream avoids.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { JetStreamManager, NatsConnection } from "nats";
import {
  decodeSnapshotState,
  encodeSnapshot,
  parseSnapshotHead,
  snapshotCandidates,
  snapshotMismatch,
  subjects,
  type ClusterState,
  type Snapshot,
  type SnapshotHead,
  type StreamFacts,
} from "@ovl/domain";
import { JsApiErrorCodes, jsApiErrorCode } from "./jsapi.js";
import { sha256 } from "./sha256.js";
import { timing } from "./timing.js";

/** Bytes per chunk: well under any broker's max_payload. */
const CHUNK_BYTES = 256 * 1024;
/** Chunk reads in flight at once: a reader's start waits for the round trips, not for the broker. */
const CHUNKS_IN_FLIGHT = 8;


/** A stored message, or null when the stream (or the message) is not there. */
async function getOrNull(jsm: JetStreamManager, stream: string, query: { seq: number } | { last_by_subj: string }) {
  try {
    return await jsm.streams.getMessage(stream, query);
  } catch (err) {
    const code = jsApiErrorCode(err);
    if (code === JsApiErrorCodes.NoMessageFound || code === JsApiErrorCodes.StreamNotFound) return null;
    throw err;
  }
}

/** The hash that identifies a stored event: its sequence, subject and bytes. */
const storedHash = (seq: number, subject: string, data: Uint8Array): string => sha256(Buffer.concat([Buffer.from(`${seq} ${subject}\n`), data]));

/** What a snapshot is checked against: the cluster (its ClusterCreated event) and the stream's bounds. */
export async function streamFacts(nc: NatsConnection): Promise<StreamFacts> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const [{ state }, created] = await Promise.all([
    jsm.streams.info(subjects.STREAM_EVENTS),
    getOrNull(jsm, subjects.STREAM_EVENTS, { last_by_subj: subjects.clusterEventSubject() }),
  ]);
  return { clusterId: created ? storedHash(created.seq, created.subject, created.data) : null, firstSeq: state.first_seq, lastSeq: state.last_seq };
}

/** The hash of the event OVL_EVENTS holds at `seq`; null when it holds none there. */
export async function eventHashAt(nc: NatsConnection, seq: number): Promise<string | null> {
  const m = await getOrNull(await nc.jetstreamManager({ checkAPI: false }), subjects.STREAM_EVENTS, { seq });
  return m ? storedHash(m.seq, m.subject, m.data) : null;
}

/** The sequences that have a snapshot, oldest first ([] when there is no snapshot stream). */
export async function listSnapshots(nc: NatsConnection): Promise<number[]> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  try {
    const info = await jsm.streams.info(subjects.STREAM_SNAPSHOTS, { subjects_filter: subjects.SNAPSHOT_HEADS });
    return Object.keys(info.state.subjects ?? {}).map((s) => Number(s.split(".")[2])).filter(Number.isInteger).sort((a, b) => a - b);
  } catch (err) {
    if (jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) return [];
    throw err;
  }
}

interface StoredHead {
  readonly head: SnapshotHead;
  /** Stream sequences of the chunks, in order. */
  readonly parts: readonly number[];
}

function parseStoredHead(data: Uint8Array): StoredHead {
  const raw = JSON.parse(Buffer.from(data).toString("utf8")) as { head?: unknown; parts?: unknown };
  const parts = raw.parts;
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > 10_000 || !parts.every((p) => Number.isInteger(p) && p > 0)) {
    throw new Error("invalid snapshot head: parts must be 1 to 10000 stream sequences");
  }
  return { head: parseSnapshotHead(raw.head), parts: parts as number[] };
}

/** Why `head` does not fit the stream, or null: the pure checks plus the event stored at its sequence. */
export async function snapshotProblem(nc: NatsConnection, head: SnapshotHead, facts: StreamFacts): Promise<string | null> {
  const first = snapshotMismatch(head, facts, head.eventHash); // everything but the event, without a request
  if (first !== null || head.seq < facts.firstSeq) return first;
  return snapshotMismatch(head, facts, await eventHashAt(nc, head.seq));
}

/** The chunks of the snapshot at `seq` in order, CHUNKS_IN_FLIGHT read at a time, or why not. */
async function readChunks(jsm: JetStreamManager, seq: number, parts: readonly number[]): Promise<Uint8Array[] | string> {
  const chunks: Uint8Array[] = new Array(parts.length);
  let missing: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < parts.length && missing === null) {
      const i = next++;
      const c = await getOrNull(jsm, subjects.STREAM_SNAPSHOTS, { seq: parts[i]! });
      if (!c || c.subject !== subjects.snapshotSubject(seq, "data")) missing ??= `chunk ${parts[i]} is missing`;
      else chunks[i] = c.data;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, parts.length) }, worker));
  return missing ?? chunks;
}

async function readOne(nc: NatsConnection, jsm: JetStreamManager, seq: number, facts: StreamFacts): Promise<Snapshot | string> {
  const m = await getOrNull(jsm, subjects.STREAM_SNAPSHOTS, { last_by_subj: subjects.snapshotSubject(seq, "head") });
  if (!m) return "its head is gone";
  const stored = parseStoredHead(m.data);
  if (stored.head.seq !== seq) return `its head says seq ${stored.head.seq}`;
  // The chunks are read while the event at its sequence is checked: one round trip, not two.
  const [problem, chunks] = await Promise.all([snapshotProblem(nc, stored.head, facts), readChunks(jsm, seq, stored.parts)]);
  if (problem) return problem;
  if (typeof chunks === "string") return chunks;
  const zipped = Buffer.concat(chunks);
  const text = gunzipSync(zipped).toString("utf8");
  const state = decodeSnapshotState(text, stored.head, sha256);
  timing(`snapshot ${seq}: ${chunks.length} chunk(s), ${zipped.length} bytes gzipped, ${text.length} of JSON, read and verified`);
  return { head: stored.head, state };
}

export interface LoadOptions {
  /** The newest snapshot at or before this sequence. @default the newest */
  readonly atOrBefore?: number;
  /** Only snapshots after this sequence (the caller holds the state there already). @default none */
  readonly after?: number;
  /** The stream's facts, when the caller has them. @default read */
  readonly facts?: StreamFacts;
  /** Told why each snapshot was ignored. */
  readonly log: (line: string) => void;
}

/**
 * The newest snapshot at or before `atOrBefore` that matches the stream, or null (start
 * from the beginning). Each one that does not match, or cannot be read, is logged and
 * skipped for the next older one.
 */
export async function loadSnapshot(nc: NatsConnection, opts: LoadOptions): Promise<Snapshot | null> {
  const [facts, listed] = await Promise.all([opts.facts ?? streamFacts(nc), listSnapshots(nc)]);
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const after = opts.after ?? -1;
  for (const seq of snapshotCandidates(listed.filter((s) => s > after), opts.atOrBefore ?? Infinity)) {
    try {
      const got = await readOne(nc, jsm, seq, facts);
      if (typeof got !== "string") return got;
      opts.log(`snapshot at seq ${seq} ignored: ${got}`);
    } catch (err) {
      opts.log(`snapshot at seq ${seq} ignored: ${(err as Error).message}`);
    }
  }
  return null;
}

/**
 * Stores a snapshot of `state` at `seq` unless one is there. Each chunk and the head carry a
 * Nats-Msg-Id made of the cluster, sequence and digest, so two coordinators writing the same
 * snapshot at once store it once. Returns whether this call wrote it.
 */
export async function writeSnapshot(nc: NatsConnection, state: ClusterState, at: { readonly clusterId: string; readonly seq: number }): Promise<boolean> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  if (await getOrNull(jsm, subjects.STREAM_SNAPSHOTS, { last_by_subj: subjects.snapshotSubject(at.seq, "head") })) return false;
  const eventHash = await eventHashAt(nc, at.seq);
  if (eventHash === null) return false; // the event is gone (a purge): nothing to anchor it to
  const { head, text } = encodeSnapshot(state, { ...at, eventHash }, sha256);
  const zipped = gzipSync(text);
  const js = nc.jetstream();
  const id = `snap-${at.clusterId.slice(0, 16)}-${at.seq}-${head.digest.slice(0, 16)}`;
  const parts: number[] = [];
  for (let i = 0, off = 0; off < zipped.length; i++, off += CHUNK_BYTES) {
    const ack = await js.publish(subjects.snapshotSubject(at.seq, "data"), zipped.subarray(off, off + CHUNK_BYTES), { msgID: `${id}-${i}` });
    parts.push(ack.seq);
  }
  await js.publish(subjects.snapshotSubject(at.seq, "head"), JSON.stringify({ head, parts }), { msgID: `${id}-head` });
  return true;
}

/** Removes the snapshots not in `keep` (both subjects of each). */
export async function removeSnapshots(nc: NatsConnection, seqs: readonly number[]): Promise<void> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  for (const seq of seqs) await jsm.streams.purge(subjects.STREAM_SNAPSHOTS, { filter: `ovl.snap.${seq}.>` });
}
