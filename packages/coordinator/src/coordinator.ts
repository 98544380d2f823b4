/**
 * `runCoordinator`: the coordinator process, in numbered steps.
 * 1. Open the SQLite projection and read its state and last applied sequence.
 * 2. Follow OVL_EVENTS from there (catch-up, then live) and wait until caught up.
 * 3. Create the cluster from the options when the stream holds none; refuse to start
 *    when it holds one that differs from the values given explicitly.
 * 4. Serve commands, agents' reports and queries in the coordinators' queue group (a report
 *    about a container not folded here yet is decided after catching up: report-catch-up.ts).
 * 5. Complete decisions cut between their events (a join without its subnet, a leave or
 *    release without its last event): at start, then whenever one has stayed open for
 *    `completeAfterMs` (its own coordinator may still be appending it).
 * 6. Declare lost the ready nodes silent for `lostAfterMs` (liveness.ts).
 */
import { nuid, type Msg, type NatsConnection, type Subscription } from "nats";
import {
  DEFAULT_LOST_AFTER_MS,
  DEFAULT_CLUSTER,
  DEFAULT_ROUTING_MODE,
  OvlError,
  OvlErrorCodes,
  SNAPSHOT_EVERY,
  decide,
  errorReply,
  okReply,
  parseCommandData,
  parseRequest,
  subjects,
  type ClusterConfig,
  type ClusterState,
} from "@ovl/domain";
import { ensureStreams, whenAnswered } from "@ovl/broker-setup";
import { lastSequence } from "@ovl/client";
import { Appender } from "./appender.js";
import { followEvents, type Delivered } from "./follow-stored.js";
import { Heartbeats } from "./heartbeats.js";
import { startPresence } from "./presence.js";
import { Pipeline } from "./pipeline/pump.js";
import { Projection } from "./projection/store.js";
import { answerQuery, jobFor } from "./routes.js";
import { replier, type Respond } from "./reply-pieces.js";
import { completeOpenDecisions } from "./complete-open-decisions.js";
import { followConnection, watchLiveness } from "./liveness.js";
import { catchUp, checkStream } from "./startup.js";
import { snapshotWriter } from "./snapshots.js";
import { CREATE_CLUSTER_ID, createBeforeJoin, createClusterJob } from "./first-join.js";
import { caughtUp, needsCatchUp, type CatchUpDeps } from "./report-catch-up.js";

export interface CoordinatorOptions {
  readonly nc: NatsConnection;
  /** The SQLite projection; created when missing, rebuilt from the stream when deleted. */
  readonly dbPath: string;
  /** Cluster settings given explicitly (CLI flags). @default DEFAULT_CLUSTER and DEFAULT_ROUTING_MODE for the rest of a new cluster */
  readonly cluster?: Partial<ClusterConfig>;
  /**
   * With no cluster yet and no explicit `cluster.mtu`: create the cluster on the first join,
   * its MTU the node's LAN MTU minus VXLAN's 50 bytes (first-join.ts). `ovl coordinator`
   * sets it when --mtu is not given. @default false (created at start with DEFAULT_CLUSTER's MTU)
   */
  readonly mtuFromFirstNode?: boolean;
  readonly log?: (line: string) => void;
  /** The clock decisions are stamped with. @default () => new Date() */
  readonly now?: () => Date;
  /** Ids for requests the coordinator makes itself. @default random */
  readonly newId?: () => string;
  /** A ready node silent this long is lost (liveness.ts). 0 turns detection off. @default 30000 */
  readonly lostAfterMs?: number;
  /** Create the streams when OVL_EVENTS is missing. @default true */
  readonly setupStreams?: boolean;
  /** Appends in flight at most. @default 256 */
  readonly window?: number;
  /** How long another coordinator's half-done decision may stay open. @default 2000 */
  readonly completeAfterMs?: number;
  /** A pause between the pieces of a large reply (reply-pieces.ts); for tests. @default 0 */
  readonly pieceGapMs?: number;
  /** Write a snapshot of the fold every this many events (snapshots.ts); 0: never. @default SNAPSHOT_EVERY */
  readonly snapshotEvery?: number;
  /** Also once the stream is quiet, when the fold is this many events past the newest snapshot (snapshots.ts). @default QUIET_GAP */
  readonly snapshotQuietGap?: number;
}

export interface CoordinatorHandle {
  stop(): Promise<void>;
  state(): ClusterState;
  seq(): number;
}

/** How long an append may wait for its PubAck before the decision is retried. */
const PUBLISH_TIMEOUT_MS = 5000;

function clusterData(explicit: Partial<ClusterConfig>, base: ClusterConfig): ClusterConfig {
  return parseCommandData("CreateCluster", { ...base, ...explicit });
}

/**
 * Step 3: creates the cluster, or checks the explicit values against the one created.
 * Returns the settings of a cluster left to the first join (its MTU from that node's LAN),
 * else null.
 */
async function ensureCluster(pipeline: Pipeline, projection: Projection, explicit: Partial<ClusterConfig>, mtuFromFirstNode: boolean): Promise<Omit<ClusterConfig, "mtu"> | null> {
  if (!projection.state.cluster) {
    // A new cluster gets the default mode; an existing one keeps what its history says.
    const data = clusterData({ ...explicit, mode: explicit.mode ?? DEFAULT_ROUTING_MODE }, DEFAULT_CLUSTER);
    if (mtuFromFirstNode && explicit.mtu === undefined) {
      const { mtu: _mtu, ...pending } = data;
      return pending;
    }
    const reply = await pipeline.submit(createClusterJob(data));
    // Losing a race to a coordinator with other defaults is fine; only explicit values must match.
    if (!reply.ok && reply.error.code !== OvlErrorCodes.ClusterMismatch) throw new OvlError(reply.error.code, reply.error.message);
    // The reply comes on the PubAck: wait until the follower has applied the event too.
    await new Promise<void>((r) => pipeline.afterApplied(r));
  }
  const existing = projection.state.cluster;
  if (!existing) throw new OvlError(OvlErrorCodes.Internal, "the cluster was not created");
  const data = clusterData(explicit, existing);
  decide({ type: "CreateCluster", data, metadata: { now: new Date(0).toISOString(), requestId: CREATE_CLUSTER_ID } }, projection.state);
  return null;
}

function serve(nc: NatsConnection, subject: string, handle: (m: Msg) => void, respond: Respond, log: (line: string) => void): Subscription {
  return nc.subscribe(subject, {
    queue: subjects.COORDINATOR_QUEUE,
    callback: (err, m) => {
      if (err) return log(`subscription ${subject}: ${err.message}`);
      if (!m.reply) return log(`request on ${m.subject} has no reply subject: ignored`);
      try {
        handle(m);
      } catch (e) {
        respond(m, errorReply(e));
      }
    },
  });
}

export async function runCoordinator(opts: CoordinatorOptions): Promise<CoordinatorHandle> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  const explicit = opts.cluster ?? {};
  clusterData(explicit, DEFAULT_CLUSTER); // bad flags fail before anything is opened
  const projection = Projection.open(opts.dbPath, log);
  const undo: (() => Promise<void> | void)[] = [() => projection.close()];
  try {
    const jsm = await whenAnswered("reaching JetStream", () => opts.nc.jetstreamManager(), log);
    const last = await whenAnswered("reading the stream", () => checkStream(jsm, projection.seq, opts.setupStreams ?? true, () => ensureStreams(jsm)), log);
    const snapshots = snapshotWriter(opts.nc, opts.snapshotEvery ?? SNAPSHOT_EVERY, log, opts.snapshotQuietGap);
    undo.unshift(() => snapshots.stop());
    const snapshotAfter = (seq: number): void => snapshots.after(seq, () => projection.state);
    await catchUp(opts.nc, projection, last, log, { onApplied: snapshotAfter }); // the history in large transactions, before anything is served
    log(`projection caught up at seq ${projection.seq}`);
    const appender = new Appender(opts.nc, PUBLISH_TIMEOUT_MS);
    undo.unshift(() => appender.close());
    const pipeline = new Pipeline({ appender, jsm, projection, now, log, ...(opts.window ? { window: opts.window } : {}) });
    // Live: one transaction per 1000 events in a burst, and at most one per 20 ms at the
    // end of it: replies come from the fold's rows in memory, the file is rebuildable.
    let sinceFlush = 0;
    let flushing: NodeJS.Timeout | null = null;
    const flush = (): void => {
      flushing = null;
      sinceFlush = 0;
      projection.flush();
    };
    const onEvent = (d: Delivered): void => {
      // Our own events are applied from what we published (same bytes), not parsed again.
      const env = pipeline.ownEnvelope(d.seq, () => d.msgId, d.data) ?? d.env;
      projection.apply(d.seq, env);
      pipeline.onApplied(d.seq, () => d.msgId, env);
      snapshotAfter(d.seq);
      if (++sinceFlush >= 1000) flush();
      else if (d.pending === 0) flushing ??= setTimeout(flush, 20);
    };
    const follower = await followEvents(opts.nc, projection.seq + 1, onEvent, log);
    undo.unshift(() => pipeline.stop(0), () => follower.stop(), () => {
      if (flushing) clearTimeout(flushing);
    });
    const pending = await ensureCluster(pipeline, projection, explicit, opts.mtuFromFirstNode ?? false);

    const heartbeats = new Heartbeats(log);
    await heartbeats.start(opts.nc, jsm, Object.keys(projection.state.nodes));
    undo.unshift(() => heartbeats.stop());
    const reportCatchUp: CatchUpDeps = {
      lastSeq: () => lastSequence(opts.nc),
      whenApplied: (seq, fn, maxWaitMs) => pipeline.whenApplied(seq, fn, maxWaitMs),
      log,
    };
    // Replies larger than one message go out in pieces (reply-pieces.ts).
    const respond = replier({ nc: opts.nc, log, ...(opts.pieceGapMs ? { pieceGapMs: opts.pieceGapMs } : {}) });
    const onRequest = (m: Msg): void => {
      const req = parseRequest(m.data);
      const job = jobFor(m.subject, req.id, req.body);
      if (!job) throw new OvlError(OvlErrorCodes.InvalidInput, `unknown subject ${m.subject}`);
      const create = createBeforeJoin(job, pending, projection.state);
      if (create) void pipeline.submit(create).then((r) => !r.ok && log(`cluster not created on the first join: ${r.error.message}`));
      const submit = (): void => void pipeline.submit(job).then((reply) => respond(m, reply, req.id));
      // A report about a container not folded here yet waits for the stream's end (report-catch-up.ts).
      if (needsCatchUp(job.command, pipeline.state)) void caughtUp(reportCatchUp).then(submit);
      else submit();
    };
    const onQuery = (m: Msg): void => {
      const req = parseRequest(m.data);
      // After the events this coordinator already answered for are applied: read your writes.
      pipeline.afterApplied(() => {
        try {
          respond(m, okReply(answerQuery(m.subject, req.body, { state: projection.state, seq: projection.seq, heartbeats: heartbeats.latest })), req.id);
        } catch (e) {
          respond(m, errorReply(e), req.id);
        }
      });
    };
    const subs = [
      serve(opts.nc, subjects.COMMANDS_WILDCARD, onRequest, respond, log),
      serve(opts.nc, subjects.REPORTS_WILDCARD, onRequest, respond, log),
      serve(opts.nc, subjects.QUERIES_WILDCARD, onQuery, respond, log),
    ];
    undo.unshift(() => subs.forEach((s) => s.unsubscribe()));
    await opts.nc.flush();

    const completer = completeOpenDecisions({ pipeline, projection, log, graceMs: opts.completeAfterMs ?? 2000 });
    undo.unshift(() => completer.stop());
    const lostAfterMs = opts.lostAfterMs ?? DEFAULT_LOST_AFTER_MS;
    const live = lostAfterMs > 0 ? watchLiveness({ state: () => projection.state, heartbeats: heartbeats.latest, submit: (j) => pipeline.submit(j), lostAfterMs, log }) : null;
    const unfollow = live ? followConnection(opts.nc, live, log) : () => undefined;
    const unpresent = startPresence(opts.nc, { dbPath: opts.dbPath, seq: () => projection.seq, log });
    log(`coordinator serving at seq ${projection.seq}`);
    let stopped: Promise<void> | null = null;
    return {
      stop: () => (stopped ??= (async () => {
        subs.forEach((s) => s.unsubscribe());
        unpresent();
        completer.stop();
        live?.stop();
        unfollow();
        heartbeats.stop();
        await pipeline.stop();
        appender.close();
        await follower.stop();
        await snapshots.stop();
        if (flushing) clearTimeout(flushing);
        projection.close();
      })()),
      state: () => projection.state,
      seq: () => projection.seq,
    };
  } catch (err) {
    for (const step of undo) await step();
    throw err;
  }
}
