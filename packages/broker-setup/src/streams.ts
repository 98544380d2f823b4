/**
 * The two streams of ovl and the one function that makes the server match them.
 *
 * - OVL_EVENTS is the history: file storage, kept forever (limits retention with no
 *   limit), a two-minute dedupe window for the Nats-Msg-Id of every append, and no
 *   deleting single messages (an event store only grows).
 * - OVL_HEARTBEATS keeps one message per node, dropped after an hour: metrics, not history.
 * - OVL_SNAPSHOTS holds snapshots of the fold (client/snapshots.ts): kept until the
 *   coordinators thin them out (purge by subject), so deleting is allowed.
 *
 * `ensureStreams` is idempotent: a stream that already matches is not touched; one that
 * differs in an updatable field is updated; anything the server refuses, or silently
 * drops (2.9 ignores fields it does not know), is a StreamConfigError naming the field
 * and both values.
 */
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from "nats";
import { OvlError, OvlErrorCodes, subjects } from "@ovl/domain";
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";

export interface StreamOptions {
  /** Copies of each message (1 for a single server, 3 for a 3-server cluster). @default 1 */
  readonly replicas?: number;
  /** How long a node's last heartbeat is kept. @default 3600000 (1 h) */
  readonly heartbeatMaxAgeMs?: number;
}

/** The fields ovl sets and checks; the server fills in the rest. */
export type OvlStreamConfig = Pick<
  StreamConfig,
  "name" | "subjects" | "storage" | "retention" | "discard" | "max_age" | "max_msgs_per_subject" | "duplicate_window" | "num_replicas" | "allow_direct" | "deny_delete"
>;

export function streamConfigs(opts: StreamOptions = {}): OvlStreamConfig[] {
  const replicas = opts.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `invalid replicas ${replicas}: expected 1 to 5`);
  }
  const hbAge = opts.heartbeatMaxAgeMs ?? 3_600_000;
  if (!Number.isInteger(hbAge) || hbAge < 1000) throw new OvlError(OvlErrorCodes.InvalidInput, `invalid heartbeat max age ${hbAge} ms: at least 1000`);
  return [
    fileStream(subjects.STREAM_EVENTS, subjects.EVENTS_WILDCARD, {
      max_age: 0,
      max_msgs_per_subject: -1,
      duplicate_window: nanos(120_000),
      num_replicas: replicas,
      allow_direct: false,
      deny_delete: true,
    }),
    fileStream(subjects.STREAM_HEARTBEATS, subjects.HEARTBEATS_WILDCARD, {
      max_age: nanos(hbAge),
      max_msgs_per_subject: 1,
      // The dedupe window may not exceed max_age.
      duplicate_window: nanos(Math.min(hbAge, 60_000)),
      num_replicas: replicas,
      allow_direct: true,
      deny_delete: false,
    }),
    snapshotStreamConfig(replicas),
  ];
}

export function snapshotStreamConfig(replicas = 1): OvlStreamConfig {
  return fileStream(subjects.STREAM_SNAPSHOTS, subjects.SNAPSHOTS_WILDCARD, {
    max_age: 0,
    max_msgs_per_subject: -1,
    // Two coordinators writing the same snapshot store it once (same Nats-Msg-Id per chunk).
    duplicate_window: nanos(120_000),
    num_replicas: replicas,
    allow_direct: false,
    deny_delete: false,
  });
}

/** Every ovl stream is one subject pattern on file, kept by limits, dropping the oldest; the rest varies. */
function fileStream(
  name: string,
  subject: string,
  rest: Omit<OvlStreamConfig, "name" | "subjects" | "storage" | "retention" | "discard">,
): OvlStreamConfig {
  return { name, subjects: [subject], storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old, ...rest };
}

/** A stream exists with settings ovl cannot reconcile; `field`, `actual` and `wanted` say which. */
export class StreamConfigError extends OvlError {
  constructor(
    readonly stream: string,
    readonly field: string,
    readonly actual: unknown,
    readonly wanted: unknown,
    message: string,
    options?: ErrorOptions,
  ) {
    super(OvlErrorCodes.Conflict, message, options);
  }
}

const describe = (diff: [string, unknown, unknown][]): string =>
  diff.map(([f, a, w]) => `${f} is ${JSON.stringify(a)}, ovl needs ${JSON.stringify(w)}`).join("; ");

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `want` whose value on the server differs: [field, actual, wanted]. */
export function differences(want: OvlStreamConfig, actual: Partial<StreamConfig>): [string, unknown, unknown][] {
  return (Object.keys(want) as (keyof OvlStreamConfig)[])
    .filter((k) => !same(actual[k], want[k]))
    .map((k) => [k, actual[k], want[k]]);
}

/** Whether some subject matches both patterns (`*` is one token, `>` one or more). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === ">" || y[i] === ">") return true;
    if (x[i] !== y[i] && x[i] !== "*" && y[i] !== "*") return false;
  }
  return x.length === y.length;
}

async function overlapError(jsm: JetStreamManager, want: OvlStreamConfig, cause: unknown): Promise<StreamConfigError> {
  const owners: string[] = [];
  for await (const si of jsm.streams.list()) {
    const theirs = si.config.subjects ?? [];
    if (si.config.name !== want.name && theirs.some((s) => want.subjects.some((w) => subjectsOverlap(s, w)))) {
      owners.push(`${si.config.name} (${theirs.join(", ")})`);
    }
  }
  const by = owners.join(", ") || "another stream";
  const message = `stream ${want.name}: subjects ${want.subjects.join(", ")} are already captured by stream ${by}; delete or change that stream`;
  return new StreamConfigError(want.name, "subjects", by, want.subjects, message, { cause });
}

function checkReturned(want: OvlStreamConfig, info: StreamInfo): void {
  const diff = differences(want, info.config);
  if (diff[0]) {
    const message = `stream ${want.name}: the server did not keep the settings (${describe(diff)}); nats-server 2.9 or later is needed`;
    throw new StreamConfigError(want.name, diff[0][0], diff[0][1], diff[0][2], message);
  }
}

/** A stream's info, or null when it does not exist; any other error (a timeout) is thrown, never taken for missing. */
export async function streamInfoOrNull(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) return null;
    throw err;
  }
}

async function ensureOne(jsm: JetStreamManager, want: OvlStreamConfig): Promise<"created" | "updated" | "unchanged"> {
  const info = await streamInfoOrNull(jsm, want.name);
  const diff = info ? differences(want, info.config) : [];
  if (info && diff.length === 0) return "unchanged";
  try {
    const after = info ? await jsm.streams.update(want.name, { ...info.config, ...want }) : await jsm.streams.add(want);
    checkReturned(want, after);
    return info ? "updated" : "created";
  } catch (err) {
    if (err instanceof StreamConfigError) throw err;
    if (jsApiErrorCode(err) === JsApiErrorCodes.SubjectsOverlap) throw await overlapError(jsm, want, err);
    const why = (err as Error).message;
    if (!diff[0]) throw new StreamConfigError(want.name, "config", null, want, `stream ${want.name}: the server refused to create it: ${why}`, { cause: err });
    const message = `stream ${want.name}: ${describe(diff)}, and the server refused the update (${why}); delete the stream or change it by hand`;
    throw new StreamConfigError(want.name, diff[0][0], diff[0][1], diff[0][2], message, { cause: err });
  }
}

/** Creates or updates the snapshot stream alone (a cluster set up before it existed). */
export const ensureSnapshotStream = (jsm: JetStreamManager, replicas = 1): Promise<"created" | "updated" | "unchanged"> => ensureOne(jsm, snapshotStreamConfig(replicas));

/** Creates or updates OVL_EVENTS, OVL_HEARTBEATS and OVL_SNAPSHOTS; running it twice changes nothing. */
export async function ensureStreams(jsm: JetStreamManager, opts: StreamOptions = {}): Promise<Record<string, "created" | "updated" | "unchanged">> {
  const result: Record<string, "created" | "updated" | "unchanged"> = {};
  for (const want of streamConfigs(opts)) result[want.name] = await ensureOne(jsm, want);
  return result;
}
