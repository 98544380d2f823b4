/**
 * Docker's door to ovl on one node: the network and IPAM plugin on a unix socket, the
 * watcher of the containers Docker makes on the network ovl, and that network itself.
 * See docs/docker-plugin.md.
 */
import type Dockerode from "dockerode";
import type { NatsConnection } from "nats";
import { DEFAULT_NETWORK, findNetwork, subjects, type ClusterState } from "@ovl/domain";
import { request } from "@ovl/client";
import { DoorDriver, type DoorReply } from "./driver.js";
import { decider, type DecisionKind } from "./decide.js";
import { hostVethLinks } from "./links.js";
import { servePlugin } from "./server.js";
import { DoorWatcher } from "./watch.js";
import { traceFromEnv } from "./trace.js";
import { FoldSignal } from "./folded.js";
import { ensureDockerNetwork, removeDockerNetwork } from "./network.js";

/** Where Docker looks for legacy plugins' sockets; the plugin's name is the file's. */
export const DEFAULT_PLUGIN_SOCKET = "/run/docker/plugins/ovl.sock";
/** How long a decision may take before `docker run` fails with the reason. */
const DECIDE_MS = 4000;
const FOLD_WAIT_MS = 3000;

export interface DockerDoorOptions {
  readonly nc: NatsConnection;
  readonly node: string;
  readonly docker: Dockerode;
  readonly socket: string;
  readonly state: () => ClusterState;
  /** The sequence of the last event the agent folded. */
  readonly seq: () => number;
  readonly hostPortInUse: (proto: "tcp" | "udp", port: number, hostIp?: string) => Promise<boolean>;
  readonly log: (line: string) => void;
}

export interface DockerDoor {
  /** The agent folded the event `seq` (its onApplied hook): waits on the fold are woken by it, not polled. */
  applied(seq: number): void;
  /** Once the agent has joined: makes the network ovl and starts following Docker. */
  joined(): Promise<void>;
  /** The node left: the network goes. */
  left(): Promise<void>;
  stop(): Promise<void>;
}

/** How long `joined()` waits for the fold to show the node ready before making the network anyway. */
const READY_WAIT_MS = 60_000;

export async function openDockerDoor(opts: DockerDoorOptions): Promise<DockerDoor> {
  const trace = traceFromEnv(opts.node);
  const fold = new FoldSignal();
  const ask = (kind: DecisionKind, body: Record<string, unknown>) =>
    request<DoorReply>(opts.nc, subjects.reportSubject(opts.node, kind), body, { timeoutMs: DECIDE_MS, attemptMs: 1000 });
  const decide = decider({ ask, fold, state: opts.state, seq: opts.seq, trace, foldWaitMs: FOLD_WAIT_MS, decideMs: DECIDE_MS });
  const driver = new DoorDriver({ node: opts.node, state: opts.state, decide, links: hostVethLinks(), hostPortInUse: opts.hostPortInUse, log: opts.log, trace });
  const server = await servePlugin(opts.socket, (call, body) => trace(call, () => driver.call(call, body)), opts.log);
  let unwatch: (() => void) | null = null;
  return {
    applied: () => fold.applied(),
    async joined() {
      // Docker calls back into the plugin while it makes the network: ask it only once the
      // fold shows this node ready with its block.
      const ready = () => {
        const n = opts.state().nodes[opts.node];
        return n?.status === "ready" && n.subnet !== null && n.gateway !== null;
      };
      await fold.until(ready, READY_WAIT_MS);
      const ovl = findNetwork(opts.state(), DEFAULT_NETWORK);
      if (ovl) await ensureDockerNetwork(opts.docker, ovl.cidr, opts.log);
      unwatch ??= new DoorWatcher({ docker: opts.docker, node: opts.node, state: opts.state, decide, driver, log: opts.log }).start();
    },
    async left() {
      unwatch?.();
      unwatch = null;
      await removeDockerNetwork(opts.docker, opts.log);
    },
    async stop() {
      unwatch?.();
      await server.stop();
    },
  };
}
