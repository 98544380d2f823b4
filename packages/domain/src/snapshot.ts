/**
 * Snapshots of the fold: the cluster state at a sequence, so that a reader starts there
 * and reads only the events after it. Pure: the encoding, the head that describes a
 * snapshot, and the checks that decide whether one may be used against a given stream.
 * Hashing is passed in (sha256 in the clients), so this module stays free of node:*.
 *
 * A snapshot is trusted only when everything it claims matches the stream it is read for:
 * the cluster (a hash of the stream's ClusterCreated event), a sequence the stream still
 * holds or ends right before (older ones are from before a purge), the event stored at
 * that sequence (a stream restored or rewritten under the same cluster differs there), and
 * the digest of the encoded state. Anything else is ignored, and the reader falls back to an
 * older snapshot or the start.
 */
import { Type, type Static } from "@sinclair/typebox";
import { checked, lazyCheck } from "./compile.js";
import { OvlError, OvlErrorCodes } from "./errors.js";
import type { ClusterState } from "./state.js";

/** The encoding's version: a reader ignores any other. */
export const SNAPSHOT_FORMAT = 1;
/** Events between two snapshots. @default 10000 */
export const SNAPSHOT_EVERY = 10_000;

const Hex = Type.String({ pattern: "^[0-9a-f]{16,64}$" });
const SnapshotHeadSchema = Type.Object({
  format: Type.Integer(),
  clusterId: Hex,
  seq: Type.Integer({ minimum: 1 }),
  /** Hash of the event stored at `seq` (subject and bytes). */
  eventHash: Hex,
  /** sha256 of the encoded state (canonicalJson). */
  digest: Hex,
  bytes: Type.Integer({ minimum: 2 }),
});
export type SnapshotHead = Static<typeof SnapshotHeadSchema>;

/** What a reader knows of the stream it reads (OVL_EVENTS). */
export interface StreamFacts {
  /** Hash of the stream's ClusterCreated event; null when it holds none. */
  readonly clusterId: string | null;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface Snapshot {
  readonly head: SnapshotHead;
  readonly state: ClusterState;
}

/** Sorts an object's keys for JSON.stringify (arrays keep their order). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

/** JSON with every object's keys sorted: the same state gives the same bytes, whatever order its maps were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys);
}

const headCheck = lazyCheck(SnapshotHeadSchema);

/** Validates a head read from outside (a bucket, a file). */
export function parseSnapshotHead(raw: unknown): SnapshotHead {
  return checked(headCheck(), raw, "snapshot head");
}

/**
 * Why the snapshot cannot be used against this stream, or null when it can. `eventHashAtSeq`
 * is the hash of the event the stream holds at `head.seq` (null when it holds none there).
 */
export function snapshotMismatch(head: SnapshotHead, facts: StreamFacts, eventHashAtSeq: string | null): string | null {
  if (head.format !== SNAPSHOT_FORMAT) return `format ${head.format}, this reader knows ${SNAPSHOT_FORMAT}`;
  if (facts.clusterId !== null && head.clusterId !== facts.clusterId) return `of cluster ${head.clusterId}, the stream's is ${facts.clusterId}`;
  if (head.seq > facts.lastSeq) return `at seq ${head.seq}, past the stream's last ${facts.lastSeq}`;
  if (head.seq < facts.firstSeq - 1) return `at seq ${head.seq}, older than the stream's first ${facts.firstSeq} (events were removed)`;
  if (head.seq >= facts.firstSeq) {
    // The event (its time and request id included) identifies the history, even once a
    // purge took the ClusterCreated event away.
    if (eventHashAtSeq === head.eventHash) return null;
    return eventHashAtSeq === null ? `the stream holds no event at seq ${head.seq}` : `the event at seq ${head.seq} is not the one it was taken at (a restored or rewritten stream)`;
  }
  // Right before the stream's first event: only the cluster vouches for it.
  return facts.clusterId === null ? "the stream holds neither its ClusterCreated event nor the event it was taken at" : null;
}

const Str = Type.String({ maxLength: 4096 });
const ContainerSchema = Type.Object({
  name: Str, node: Str, ip: Str, mac: Str, image: Str, cmd: Type.Array(Type.String()), ports: Type.Array(Type.Object({})),
  state: Type.Union(["pending", "running", "failed", "exited"].map((s) => Type.Literal(s))), since: Str,
  aliases: Type.Optional(Type.Array(Str)),
  networks: Type.Optional(Type.Array(Type.Object({ network: Str, ip: Str, mac: Str }))),
});
const BlockSchema = Type.Object({ subnet: Str, gateway: Str });
const NetworkSchema = Type.Object({ name: Str, cidr: Str, blockPrefix: Type.Integer(), vni: Type.Integer(), internal: Type.Boolean(), since: Str });
const NodeSchema = Type.Object({
  name: Str, underlayIp: Str, agentVersion: Str, since: Str,
  status: Type.Union(["ready", "leaving", "lost", "left"].map((s) => Type.Literal(s))),
  subnet: Type.Union([Str, Type.Null()]), gateway: Type.Union([Str, Type.Null()]),
  blocks: Type.Optional(Type.Record(Type.String(), BlockSchema)),
  containers: Type.Record(Type.String(), ContainerSchema),
});
const StateSchema = Type.Object({
  cluster: Type.Union([Type.Object({ cidr: Str, blockPrefix: Type.Integer(), vni: Type.Integer(), vxlanPort: Type.Integer(), mtu: Type.Integer() }), Type.Null()]),
  nodes: Type.Record(Type.String(), NodeSchema),
  networks: Type.Optional(Type.Record(Type.String(), NetworkSchema)),
});
const stateCheck = lazyCheck(StateSchema);

/**
 * The state encoded in `text`, checked against the head's digest and the state's shape.
 * Throws OvlError(INVALID_INPUT) saying what did not match.
 */
export function decodeSnapshotState(text: string, head: SnapshotHead, sha256: (text: string) => string): ClusterState {
  if (sha256(text) !== head.digest) throw new OvlError(OvlErrorCodes.InvalidInput, `snapshot at seq ${head.seq}: its state does not match its digest`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `snapshot at seq ${head.seq}: its state is not JSON`, { cause });
  }
  return checked<ClusterState>(stateCheck(), raw, `state of the snapshot at seq ${head.seq}`);
}

/** The head and text of a new snapshot of `state` at `seq`. */
export function encodeSnapshot(
  state: ClusterState,
  at: { readonly clusterId: string; readonly seq: number; readonly eventHash: string },
  sha256: (text: string) => string,
): { head: SnapshotHead; text: string } {
  const text = canonicalJson(state);
  return { head: { format: SNAPSHOT_FORMAT, clusterId: at.clusterId, seq: at.seq, eventHash: at.eventHash, digest: sha256(text), bytes: text.length }, text };
}

/** @default at most this many snapshots spread over the history, besides the newest few */
export const SNAPSHOTS_SPREAD = 32;

/**
 * The spacing of the snapshots kept over a history whose newest is `newest`: `every`
 * doubled until at most `spread` multiples of it fit. Doubling keeps the schedules nested
 * (what a longer history keeps, a shorter one kept too), so thinning never needs a
 * snapshot it dropped before, and any sequence is within one spacing (at most
 * 2 x newest / spread) of a snapshot at or before it.
 */
export function snapshotSpacing(newest: number, every: number, spread = SNAPSHOTS_SPREAD): number {
  let spacing = Math.max(1, every);
  while (Math.floor(newest / spacing) > spread) spacing *= 2;
  return spacing;
}

/**
 * Which snapshots to keep: the `recent` newest, and of the older ones those at a multiple
 * of the spacing (snapshotSpacing): at most spread + recent, evenly over the history, so
 * time travel folds at most one spacing of events from the nearest one.
 */
export function snapshotsToKeep(seqs: readonly number[], every: number, recent = 4, spread = SNAPSHOTS_SPREAD): Set<number> {
  const sorted = [...seqs].sort((a, b) => b - a);
  const spacing = snapshotSpacing(sorted[0] ?? 0, every, spread);
  return new Set(sorted.filter((s, i) => i < recent || s % spacing === 0));
}

/**
 * Of the snapshots waiting to be written when `newest` is due, those still worth writing:
 * the ones on the schedule of a history ending at `newest`, and `newest` itself. A writer
 * slower than the fold (a catch-up) then skips what thinning would drop, never a sequence
 * the schedule keeps; at most spread + 1 wait.
 */
export function snapshotsToWrite(waiting: readonly number[], newest: number, every: number, spread = SNAPSHOTS_SPREAD): number[] {
  const spacing = snapshotSpacing(newest, every, spread);
  return [...waiting.filter((s) => s < newest && s % spacing === 0), newest];
}

/** The newest of `seqs` at or before `target`, trying newer first: the order readers try them in. */
export function snapshotCandidates(seqs: readonly number[], target: number): number[] {
  return seqs.filter((s) => s <= target).sort((a, b) => b - a);
}
