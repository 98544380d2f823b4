/**
 * The client of the coordinators, shared by the CLI, the TUI, tests and benchmarks:
 * commands and queries as typed calls. Errors come back as OvlError with the
 * coordinator's code and message.
 */
import type { NatsConnection } from "nats";
import {
  subjects,
  type ClusterState,
  type CommandData,
  type NetworkRow,
  type NodeRow,
  type NodeStatus,
  type PsQuery,
  type PsRow,
} from "@ovl/domain";
import { connectNats, type ConnectOptions } from "./connect.js";
import { request, type RequestOptions } from "./request.js";
import { execSession, inspectContainer, logsSession, nodeOf, type ContainerInspect, type ExecOptions, type LogsOptions } from "./agent-requests.js";
import type { Session, SessionOutput } from "./agent-session.js";
import { runCheck, type CheckOptions, type CheckResult } from "./check.js";

export type RunResult = PsRow & { readonly seq: number };
export interface RemoveResult { readonly name: string; readonly node: string; readonly ip: string; readonly seq: number }
export interface NodeChangeResult { readonly node: string; readonly status: NodeStatus; readonly seq: number }
export interface NetworkChangeResult { readonly network: NetworkRow | null; readonly seq: number }
export interface StateSnapshot { readonly seq: number; readonly state: ClusterState }

export class OvlClient {
  constructor(readonly nc: NatsConnection, private readonly defaults: RequestOptions = {}) {}

  static async connect(opts: Partial<ConnectOptions> & { requestDefaults?: RequestOptions } = {}): Promise<OvlClient> {
    const nc = await connectNats({ name: "ovl-cli", connectTimeoutMs: 5000, ...opts });
    return new OvlClient(nc, opts.requestDefaults);
  }

  private call<T>(subject: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return request<T>(this.nc, subject, body, { ...this.defaults, ...opts });
  }

  run(spec: CommandData<"StartContainer">, opts?: RequestOptions): Promise<RunResult> {
    return this.call(subjects.commandSubject("run"), spec, opts);
  }
  rm(name: string, opts?: RequestOptions): Promise<RemoveResult> {
    return this.call(subjects.commandSubject("rm"), { name }, opts);
  }
  leave(node: string, opts?: RequestOptions): Promise<NodeChangeResult> {
    return this.call(subjects.commandSubject("leave"), { node }, opts);
  }
  release(node: string, opts?: RequestOptions): Promise<NodeChangeResult> {
    return this.call(subjects.commandSubject("release"), { node }, opts);
  }
  /** Makes a network beside `ovl`; the reply's `network` is its `ovl network ls` row. */
  networkCreate(spec: CommandData<"CreateNetwork">, opts?: RequestOptions): Promise<NetworkChangeResult> {
    return this.call(subjects.commandSubject("network-create"), spec, opts);
  }
  networkRm(network: string, opts?: RequestOptions): Promise<{ readonly network: string; readonly seq: number }> {
    return this.call(subjects.commandSubject("network-rm"), { network }, opts);
  }
  networks(opts?: RequestOptions): Promise<NetworkRow[]> {
    return this.call(subjects.querySubject("networks"), {}, opts);
  }
  /** The containers, filtered by the coordinator (node, state, network). */
  ps(query: PsQuery = {}, opts?: RequestOptions): Promise<PsRow[]> {
    return this.call(subjects.querySubject("ps"), query, opts);
  }
  nodes(query: { all?: boolean } = {}, opts?: RequestOptions): Promise<NodeRow[]> {
    return this.call(subjects.querySubject("nodes"), query, opts);
  }
  state(opts?: RequestOptions): Promise<StateSnapshot> {
    return this.call(subjects.querySubject("state"), {}, opts);
  }

  /** A container's logs from its node's agent; `follow` runs until `send({t: "close"})`. */
  async logs(name: string, opts: LogsOptions, output: SessionOutput): Promise<Session> {
    return logsSession(this.nc, await nodeOf(() => this.ps(), name), name, opts, output);
  }
  /** A command in a container, through its node's agent; `done` gives its exit code. */
  async exec(name: string, cmd: readonly string[], opts: ExecOptions, output: SessionOutput): Promise<Session> {
    return execSession(this.nc, await nodeOf(() => this.ps(), name), name, cmd, opts, output);
  }
  /** Docker's inspect of a container from its node's agent, with its own events from the history. */
  async inspect(name: string): Promise<ContainerInspect> {
    return inspectContainer(this.nc, await nodeOf(() => this.ps(), name), name);
  }

  /** The overlay checked between every pair of ready nodes, by their agents (check.ts). */
  async check(opts: CheckOptions = {}): Promise<CheckResult> {
    const ready = (await this.nodes()).filter((n) => n.status === "ready").map((n) => n.name);
    return runCheck(this.nc, ready, opts);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
