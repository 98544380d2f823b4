/**
 * The requests this node's agent serves on `ovl.agent.<node>.>`: a container's logs, an
 * exec, its inspect (domain agent-wire.ts), and the overlay check of its node (check.ts). Each request opens a session answered on its
 * reply subject; control messages reach their session by id. What fails ends the session
 * with the error's code and message, never the agent.
 */
import type Dockerode from "dockerode";
import type { Msg, NatsConnection } from "nats";
import { type ClusterState, AGENT_REQUEST_KINDS, OvlErrorCodes, parseAgentRequest, parseControl, subjects, type AgentRequest, type AgentRequestKind } from "@ovl/domain";
import { AgentSession } from "./session.js";
import { serveExec, serveInspect, serveLogs } from "./docker-io.js";
import { CheckResponder } from "./check-responder.js";
import { serveCheck } from "./check.js";

export interface ServeOptions {
  readonly nc: NatsConnection;
  readonly node: string;
  readonly docker: Dockerode;
  readonly log?: (line: string) => void;
  /** @default IDLE_TIMEOUT_MS */
  readonly idleMs?: number;
  /** The agent's folded state, which `check` probes from; without it `check` is refused. */
  readonly state?: () => ClusterState;
  /** The check responders' port. @default CHECK_PORT */
  readonly checkPort?: number;
}

const errorOf = (err: unknown) => ({
  code: String((err as { code?: unknown }).code ?? OvlErrorCodes.Internal).slice(0, 64),
  message: String((err as Error).message ?? err).slice(0, 2048),
});

export function serveAgentRequests(opts: ServeOptions): { stop(): void } {
  const sessions = new Map<string, AgentSession>();
  const check = { responder: new CheckResponder(opts.checkPort), ...(opts.state ? { state: opts.state } : {}), ...(opts.checkPort ? { port: opts.checkPort } : {}) };
  const serve = {
    logs: serveLogs,
    exec: serveExec,
    inspect: serveInspect,
    check: (docker: Dockerode, node: string, req: AgentRequest<"check">, session: AgentSession) => serveCheck(check, node, req, session, docker),
  } as const;

  function open(kind: AgentRequestKind, msg: Msg): void {
    if (!msg.reply) return;
    const session = new AgentSession(opts.nc, msg.reply, opts.idleMs);
    let id: string | null = null;
    void (async () => {
      const req = parseAgentRequest(kind, msg.data);
      id = req.session;
      sessions.set(id, session);
      opts.log?.(`${kind} ${"name" in req ? req.name : req.check} (session ${id})`);
      await (serve[kind] as (d: Dockerode, n: string, r: typeof req, s: AgentSession) => Promise<void>)(opts.docker, opts.node, req, session);
    })()
      .catch((err: unknown) => session.end({ error: errorOf(err) }))
      .finally(() => {
        if (id) sessions.delete(id);
      });
  }

  function onMessage(msg: Msg): void {
    const [, , , kind, session, extra] = msg.subject.split(".");
    if (!(AGENT_REQUEST_KINDS as readonly string[]).includes(kind ?? "") || extra !== undefined) return;
    if (session === undefined) return open(kind as AgentRequestKind, msg);
    try {
      sessions.get(session)?.control(parseControl(msg.data));
    } catch (err) {
      opts.log?.(`session ${session}: ${(err as Error).message}`);
    }
  }

  const sub = opts.nc.subscribe(subjects.agentNodeWildcard(opts.node), { callback: (err, msg) => (err ? opts.log?.(`agent requests: ${err.message}`) : onMessage(msg)) });
  return {
    stop() {
      sub.unsubscribe();
      for (const s of sessions.values()) s.end({ error: { code: OvlErrorCodes.Unavailable, message: "the agent stops: run the command again once it is back" } });
    },
  };
}
