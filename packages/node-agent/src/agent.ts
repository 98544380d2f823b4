/**
 * The node agent: join, follow the history, make the node match it, report back.
 *
 * How it works (numbered steps in runAgent and Agent, in the order they run):
 * 1. Follow OVL_EVENTS from the newest usable snapshot (its own file or the coordinators',
 *    local-snapshot.ts; else from the start), already while the join is in flight, and
 *    fold into a StateDraft: each event is written in place, and the state is
 *    sealed only when it is handed out (to the runtime, or through state()), so a burst or
 *    a replay copies the node map once, not once per event (an O(nodes) copy: ~0.15 ms at
 *    500 nodes).
 * 2. Join (JoinNode on ovl.rpt.<node>.join, one id, retried): a refusal ends the agent.
 * 3. Heartbeats on ovl.hb.<node> every heartbeatMs, once joined.
 * 4. Once joined, and the history read at start and the join's own events are applied
 *    (never on a view from before this join: an earlier membership's "left"), every event
 *    that can change what the node does (debounced, longer for another node's events; see
 *    `matters`, `aboutAnotherNode`) and every reconcileMs hands the node's view to the
 *    runtime; its reports go out as ReportContainer requests. The runtime's own watch
 *    reports (Docker restarts) too.
 * 5. The view says `leaving`: teardown, report left, done = "left". It says `lost`: join
 *    again (NodeRecovered) and touch nothing meanwhile: the node's containers keep their
 *    wiring and keep talking to each other while it is cut off, and resume as they are. It
 *    says `left` without a leave of ours (`ovl release` while we ran): teardown, then join
 *    as a new node. After any join, nothing acts on a view from before it.
 * Stopping (stop(), SIGTERM) only stops the agent: containers and dataplane stay as they
 * are, and a restarted agent reads everything again and changes only what differs.
 */
import { readFileSync } from "node:fs";
import type { NatsConnection } from "nats";
import { SNAPSHOT_EVERY, StateDraft, emptyState, eventOf, parseIpv4, parseNodeName, subjects, type ClusterState, type OvlEvent } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { AgentError, AgentErrorCodes } from "./errors.js";
import { askUntilAnswered, type AskOptions } from "./ask.js";
import { followEvents } from "./follow-from-start.js";
import { clusterIdOf, saveLocalSnapshot, startingSnapshot } from "./local-snapshot.js";
import { startHeartbeats, type HeartbeatHandle } from "./heartbeat.js";
import { AppliedTracker } from "./applied.js";
import { join } from "./join.js";
import { createReporter } from "./reporter.js";
import { differs, type ContainerReport, type NodeRuntime } from "./runtime.js";
import { createScheduler } from "./scheduler.js";
import { detectUnderlay } from "./underlay.js";
import { AGENT_VERSION } from "./version.js";
import { nameService, type NameService, type Upstream } from "./dns/index.js";

export interface AgentOptions {
  readonly nc: NatsConnection;
  readonly node: string;
  /** LAN address; detected toward the NATS server (or from `iface`) when absent. */
  readonly underlayIp?: string;
  readonly iface?: string;
  /** MTU of the LAN interface, checked at join; detected with the address when absent. */
  readonly lanMtu?: number;
  /** Prefix length of the LAN subnet, told at join (routing modes); detected with the address when absent. */
  readonly lanPrefix?: number;
  readonly stateDir: string;
  readonly runtime: NodeRuntime;
  /** @default 5000 */
  readonly heartbeatMs?: number;
  /** Periodic reconcile. @default 10000 */
  readonly reconcileMs?: number;
  /** @default no logging */
  readonly log?: (line: string) => void;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Called right after each event is folded, with its sequence (benchmarks time the fan-out with it). */
  readonly onApplied?: (seq: number) => void;
  /** Write the local snapshot file every this many events (and at stop); 0: never. @default SNAPSHOT_EVERY */
  readonly snapshotEvery?: number;
  /** Start from snapshots (local file, snapshot stream). @default true */
  readonly useSnapshots?: boolean;
  /** Serve the cluster's names on the node's gateway (dns/service.ts), forwarding other names to `upstreams`. @default none */
  readonly dns?: { readonly upstreams: () => readonly Upstream[]; readonly port?: number };
}

export interface AgentHandle {
  /** Stops the agent; containers and dataplane are left as they are. */
  stop(): Promise<void>;
  state(): ClusterState;
  /** Sequence of the last event applied. */
  seq(): number;
  /** "left" after a completed leave; rejects when the agent ends on an error (join refused). */
  readonly done: Promise<"stopped" | "left">;
}

const DEBOUNCE_MS = 20;
/**
 * The debounce period of a re-plan for another node's event (it changes only the node's
 * peers: neighbour and FDB entries): a lone one runs at once, a burst (a deploy of many
 * containers elsewhere) makes one run per period, so each event does not seal and copy the
 * state and rebuild the whole view on every node. Its timer fires REMOTE_LATE_MS after the
 * period unless the next event of the burst comes first and takes the run along (one
 * wake-up of the process for both): a peer's entries wait at most 150 ms in a burst.
 */
const REMOTE_DEBOUNCE_MS = 100;
const REMOTE_LATE_MS = 50;

/** The MTU of a local interface, or undefined (a simulated agent's interface may not exist). */
function ifaceMtu(iface: string | undefined): number | undefined {
  if (!iface || !/^[A-Za-z0-9_.-]{1,15}$/.test(iface)) return undefined;
  try {
    const mtu = Number(readFileSync(`/sys/class/net/${iface}/mtu`, "utf8").trim());
    return Number.isInteger(mtu) && mtu >= 68 ? mtu : undefined;
  } catch {
    return undefined;
  }
}

async function underlayOf(opts: AgentOptions): Promise<{ ip: string; mtu?: number; prefix?: number }> {
  const prefix = opts.lanPrefix !== undefined ? { prefix: opts.lanPrefix } : {};
  if (opts.underlayIp !== undefined) {
    const mtu = opts.lanMtu ?? ifaceMtu(opts.iface);
    return { ip: parseIpv4(opts.underlayIp, "underlay address"), ...(mtu ? { mtu } : {}), ...prefix };
  }
  const found = await detectUnderlay(`nats://${opts.nc.getServer()}`, opts.iface ? { iface: opts.iface } : {});
  return { ip: found.ip, mtu: opts.lanMtu ?? found.mtu, ...(found.prefix !== undefined ? { prefix: found.prefix } : {}), ...prefix };
}

export async function runAgent(opts: AgentOptions): Promise<AgentHandle> {
  const node = parseNodeName(opts.node);
  const log = opts.log ?? (() => undefined);
  const underlay = await underlayOf(opts);
  const agent = new Agent(opts, node, log);
  const joinBody = { node, underlayIp: underlay.ip, agentVersion: AGENT_VERSION, ...(underlay.mtu ? { lanMtu: Math.min(underlay.mtu, 65535) } : {}), ...(underlay.prefix !== undefined ? { lanPrefix: underlay.prefix } : {}) };
  // 1. Reading the history starts while the join is in flight (it acts only once joined).
  agent.follow();
  // 2. Join; a refusal rejects runAgent itself.
  let joinSeq: number;
  try {
    joinSeq = await join(opts.nc, joinBody, agent.ask);
  } catch (err) {
    await agent.finish("stopped");
    throw err;
  }
  agent.start(joinBody, joinSeq);
  return {
    stop: () => agent.finish("stopped"),
    state: () => agent.state(),
    seq: () => agent.seq,
    done: agent.done,
  };
}

/**
 * Whether an event can change what this node does. Not when it only moves another node's
 * container between states that all hold its address (pending, running, exited): peers
 * program a remote container's address and MAC, never its run state (kernel/desired.ts).
 * Saves a re-plan for every other node's ContainerRunning; the periodic reconcile still
 * hands over the newest view. `before` is the container's record before the event.
 * Nor when it is an address this node's Docker plugin reserved: the plugin makes its veth
 * (the plan keeps it), there is nothing else to wire for it here, and the claim's events
 * that follow re-plan; a re-plan's spawns would hold the event loop while Docker makes the
 * endpoint (docs/docker-plugin.md). Peers still re-plan for it.
 */
export function matters(event: OvlEvent, node: string, before: { readonly ip: string; readonly state: string } | undefined): boolean {
  if (event.type === "ContainerStarted") return !(event.data.node === node && event.data.origin === "docker-ipam");
  if (event.type !== "ContainerRunning" && event.type !== "ContainerExited") return true;
  if (event.data.node === node) return true;
  return before !== undefined && before.ip === event.data.ip && before.state === "failed";
}

/** Whether an event is about another node (it can change only this node's peers), not this one or the cluster. */
export function aboutAnotherNode(event: OvlEvent, node: string): boolean {
  return "node" in event.data && event.data.node !== node;
}

class Agent {
  private draft = new StateDraft(emptyState);
  seq = 0;
  private clusterId: string | null = null;
  private savedSeq = 0;
  private saving: Promise<void> = Promise.resolve();
  readonly done: Promise<"stopped" | "left">;
  readonly ask: AskOptions;
  private stopped = false;
  private caughtUp = false;
  /** Caught up, joined, and the fold at or past the join's sequence: syncs may run. */
  private ready = false;
  private readyAt = 0;
  private fullDue = true;
  private lostSince: string | null = null;
  private releasedSince: string | null = null;
  private resolve!: (v: "stopped" | "left") => void;
  private reject!: (err: unknown) => void;
  private cleanups: (() => void)[] = [];
  private readonly reporter;
  private readonly scheduler;
  private joinBody: Parameters<typeof join>[1] | null = null;
  /** The applied sequence and apply latencies its heartbeats carry. */
  private readonly applied = new AppliedTracker();
  private heartbeats: HeartbeatHandle | null = null;
  /** Answers from the fold as it is now (peek: read within the call), so a removal answers NXDOMAIN once folded. */
  private readonly names: NameService | null;

  constructor(private readonly opts: AgentOptions, private readonly node: string, private readonly log: (l: string) => void) {
    this.done = new Promise((res, rej) => ((this.resolve = res), (this.reject = rej)));
    this.done.catch(() => undefined); // a rejection is for whoever awaits done
    this.ask = { stopped: () => this.stopped, log };
    this.reporter = createReporter(opts.nc, node, this.ask);
    this.scheduler = createScheduler(() => this.step(), DEBOUNCE_MS, (err) => log(`reconcile failed: ${(err as Error).message}`));
    this.names = opts.dns ? nameService({ node, fold: () => ({ seq: this.seq, state: this.draft.peek }), ...opts.dns, log }) : null;
  }

  /** 3. Follow and fold (acting waits for `start`). */
  follow(): void {
    let stopFollower = (): void => undefined;
    this.cleanups.push(() => stopFollower());
    void (async () => {
      if (this.opts.useSnapshots !== false) {
        const start = await startingSnapshot(this.opts.nc, this.opts.stateDir, this.log);
        this.clusterId = start.clusterId;
        if (start.snapshot) {
          this.draft = new StateDraft(start.snapshot.state);
          this.seq = this.savedSeq = start.snapshot.head.seq;
          this.log(`starting from the snapshot at seq ${this.seq}`);
        }
      }
      if (this.stopped) return;
      const follower = followEvents({ nc: this.opts.nc, from: this.seq + 1, log: this.log, onItem: (i) => this.apply(i), onCaughtUp: () => this.onCaughtUp() });
      stopFollower = () => void follower.stop();
    })();
  }

  /** Writes the local snapshot file of the current fold (one write at a time). */
  private saveSnapshot(): Promise<void> {
    const seq = this.seq;
    if (this.opts.snapshotEvery === 0 || this.opts.useSnapshots === false || seq <= this.savedSeq) return this.saving;
    this.savedSeq = seq;
    const state = this.draft.state;
    this.saving = this.saving.then(async () => {
      this.clusterId ??= await clusterIdOf(this.opts.nc);
      if (this.clusterId) await saveLocalSnapshot(this.opts.nc, this.opts.stateDir, state, { clusterId: this.clusterId, seq }, this.log);
    });
    return this.saving;
  }

  /** Joined: acts once the fold holds the join (`joinSeq`) and the history read at start. */
  start(joinBody: NonNullable<Agent["joinBody"]>, joinSeq: number): void {
    this.joinBody = joinBody;
    this.readyAt = joinSeq;
    const { nc, runtime } = this.opts;
    // 3. Heartbeats.
    const beats = startHeartbeats(nc, this.node, this.opts.heartbeatMs ?? 5000, this.opts.now ?? (() => new Date()), this.log, () => this.applied.report());
    this.heartbeats = beats;
    this.cleanups.push(() => beats.stop());
    this.becomeReady();
    // 4. Periodic reconcile, and the runtime's own reports.
    const timer = setInterval(() => {
      if (!this.ready) return;
      this.fullDue = true;
      this.scheduler.schedule();
    }, this.opts.reconcileMs ?? 10_000);
    this.cleanups.push(() => clearInterval(timer));
    if (runtime.watch) this.cleanups.push(runtime.watch((r) => this.report(r)));
    nc.closed().then((err) => this.fail(new AgentError(AgentErrorCodes.ConnectionClosed, `NATS connection closed${err ? `: ${err.message}` : ""}`, err ? { cause: err } : undefined)));
  }

  /** The current view, sealed: later events never change what it holds. */
  state(): ClusterState {
    return this.draft.state;
  }

  private apply(item: EventItem): void {
    if (!item.ok) {
      this.log(`skipped event ${item.seq} on ${item.subject}: ${item.error}`);
      return;
    }
    const event = eventOf(item.event);
    const before = event.type === "ContainerRunning" || event.type === "ContainerExited"
      ? this.draft.peek.nodes[event.data.node]?.containers[event.data.name]
      : undefined;
    this.draft.apply(event, item.event);
    this.seq = item.event.seq;
    this.opts.onApplied?.(this.seq);
    if (this.seq % (this.opts.snapshotEvery ?? SNAPSHOT_EVERY) === 0) void this.saveSnapshot();
    if (!this.ready) {
      this.applied.seen(this.seq);
      this.becomeReady();
      return;
    }
    const needsSync = matters(event, this.node, before);
    this.applied.folded(this.seq, Date.parse(item.event.time), needsSync, Date.now());
    if (needsSync) {
      if (aboutAnotherNode(event, this.node)) this.scheduler.schedule(REMOTE_DEBOUNCE_MS, REMOTE_LATE_MS);
      else this.scheduler.schedule();
    } else this.heartbeats?.soon();
  }

  private onCaughtUp(): void {
    this.caughtUp = true;
    this.log(`caught up at event ${this.seq}`);
    this.becomeReady();
  }

  /** The first sync, once caught up, joined, and the fold holds the join's events. */
  private becomeReady(): void {
    if (this.ready || !this.caughtUp || this.joinBody === null || this.seq < this.readyAt) return;
    this.ready = true;
    this.scheduler.schedule();
  }

  private report(r: ContainerReport): void {
    // peek: read now, not kept, so no need to seal.
    if (differs(this.draft.peek.nodes[this.node]?.containers[r.name], r)) this.reporter.send(r);
  }

  /** One reconcile: the view decides between leaving, rejoining and syncing. */
  private async step(): Promise<void> {
    // Not on a view from before our latest join (a rejoin's events are on their way).
    if (this.stopped || !this.ready || this.seq < this.readyAt) return;
    const state = this.state(); // sealed: the runtime may read it across awaits while events arrive
    const self = state.nodes[this.node];
    if (self?.status === "leaving") return this.leave();
    if (self?.status === "left") return this.joinAsNew(self.since);
    if (self?.status === "lost") return this.resume(self.since);
    // Full on the first sync, on the periodic one and after a failure: it heals drift in
    // every part; the syncs events trigger in between trust what a full one verified.
    const full = this.fullDue;
    this.fullDue = false;
    const upTo = this.applied.syncStarting();
    try {
      // Each report goes out as soon as its container is ready, not when the sync ends.
      await this.opts.runtime.sync(state, this.node, { full, onReport: (r) => this.report(r) });
      const before = this.applied.applied;
      this.applied.synced(upTo, Date.now());
      this.names?.synced(state);
      if (this.applied.applied !== before) this.heartbeats?.soon();
    } catch (err) {
      this.fullDue = true;
      throw err;
    }
  }

  // 5. Leaving: tear down, then say so; the coordinator records NodeLeft.
  private async leave(): Promise<void> {
    this.log(`node ${this.node} is leaving: removing its containers and dataplane`);
    await this.opts.runtime.teardown();
    await askUntilAnswered(this.opts.nc, subjects.reportSubject(this.node, "left"), { node: this.node }, this.ask);
    this.log(`node ${this.node} left the cluster`);
    await this.finish("left", false);
  }

  /** Lost (silent too long): its block and containers were kept, so it joins again and resumes. */
  private async resume(since: string): Promise<void> {
    if (this.lostSince === since) return;
    this.lostSince = since;
    this.log(`node ${this.node} was declared lost: joining again; its containers and dataplane stay as they are`);
    await this.joinAgain();
  }

  /** Released by an operator while this agent ran: its names and addresses may be anyone's now. */
  private async joinAsNew(since: string): Promise<void> {
    if (this.releasedSince === since) return;
    this.releasedSince = since;
    this.log(`node ${this.node} was released: removing its containers and dataplane, then joining again as a new node`);
    await this.opts.runtime.teardown();
    await this.joinAgain();
  }

  private async joinAgain(): Promise<void> {
    try {
      this.readyAt = Math.max(this.readyAt, await join(this.opts.nc, this.joinBody!, this.ask));
      this.fullDue = true; // much may have changed meanwhile (a dockerd restart, the peers)
    } catch (err) {
      if (!this.stopped) this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.log(`agent ends: ${(err as Error).message}`);
    void this.halt().then(() => this.reject(err));
  }

  async finish(how: "stopped" | "left", waitForRun = true): Promise<void> {
    if (this.stopped) return;
    await this.halt(waitForRun);
    if (how === "stopped") await this.saveSnapshot();
    this.resolve(how);
  }

  private async halt(waitForRun = true): Promise<void> {
    this.stopped = true;
    this.cleanups.splice(0).forEach((f) => f());
    // Called from inside a run (leave), waiting for the run would wait for itself.
    if (waitForRun) await this.scheduler.stop();
    else void this.scheduler.stop();
    await this.reporter.idle();
    await this.names?.stop();
  }
}
