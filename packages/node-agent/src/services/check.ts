/**
 * The agent's end of `ovl check` (domain check.ts): open the responder, probe every ready
 * peer the agent's own state holds (and with --containers its containers' pairs and other
 * nodes' published ports, check-containers.ts), send the report as one JSON line, and keep the
 * responder open until the client closes the session (or it idles out), so peers still
 * probing find it. What the check opened is closed on every way out.
 */
import { OvlError, OvlErrorCodes, encodeJson, type AgentRequest, type CheckReport, type ClusterState } from "@ovl/domain";
import type Dockerode from "dockerode";
import type { AgentSession } from "./session.js";
import { CheckResponder } from "./check-responder.js";
import { probePeer } from "./check-probes.js";
import { probeContainers } from "./check-containers.js";

export interface CheckDeps {
  /** The agent's folded state; absent when the agent serves no check. */
  readonly state?: () => ClusterState;
  readonly responder: CheckResponder;
  /** The responders' port. @default CHECK_PORT */
  readonly port?: number;
}

/** This node's gateway, the cluster MTU and the peers to probe, or why there is nothing to check. */
export function checkPlan(state: ClusterState, node: string): { ip: string; mtu: number; peers: { node: string; ip: string }[] } {
  const self = state.nodes[node];
  if (!state.cluster || !self?.gateway || self.status !== "ready") {
    throw new OvlError(OvlErrorCodes.Unavailable, `node ${node} is not a ready member with an overlay address: nothing to check from it`);
  }
  const peers = Object.values(state.nodes)
    .filter((n) => n.name !== node && n.status === "ready" && n.gateway)
    .map((n) => ({ node: n.name, ip: n.gateway! }))
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return { ip: self.gateway, mtu: state.cluster.mtu, peers };
}

export async function serveCheck(deps: CheckDeps, node: string, req: AgentRequest<"check">, session: AgentSession, docker: Dockerode): Promise<void> {
  if (!deps.state) throw new OvlError(OvlErrorCodes.Unavailable, `the agent of ${node} serves no check (it runs without a cluster state)`);
  const state = deps.state();
  const plan = checkPlan(state, node);
  const ended = new Promise<void>((resolve) => {
    session.onEnd = () => {
      deps.responder.close(req.check);
      resolve();
    };
  });
  const responder = await deps.responder.open(req.check, plan.ip);
  const [peers, inside] = await Promise.all([
    Promise.all(plan.peers.map((p) => probePeer({ id: req.check, from: plan.ip, to: p.ip, node: p.node, mtu: plan.mtu, ...(deps.port ? { port: deps.port } : {}) }))),
    req.containers ? probeContainers(docker, state, node, plan.mtu) : {},
  ]);
  const report: CheckReport = { node, ip: plan.ip, mtu: plan.mtu, responder, peers, ...inside };
  await session.send("out", Buffer.concat([encodeJson(report), Buffer.from("\n")]));
  await ended;
}
