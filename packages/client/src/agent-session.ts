/**
 * The client's end of a session with a node's agent (domain agent-wire.ts): a fresh inbox
 * of this connection, the request sent with it as reply subject, frames checked in order
 * (a gap ends the session), an ack every ACK_EVERY frames and a ping every PING_MS (both
 * keep the agent's permission to answer alive). A publish the server's permissions refuse
 * ends the session with FORBIDDEN at once; a node whose agent is not subscribed (the
 * server's no-responders answer) or says nothing in time ends it with UNAVAILABLE.
 */
import { randomBytes } from "node:crypto";
import { createInbox, type NatsConnection } from "nats";
import {
  ACK_EVERY, FRAME_HEADER, OvlError, OvlErrorCodes, PING_MS, SEQ_HEADER, encodeJson, isOvlErrorCode, parseAgentEnd, parseFrameKind, parseSeq, subjects,
  type AgentEnd, type AgentRequest, type AgentRequestKind, type Control,
} from "@ovl/domain";

export interface SessionOutput {
  out(data: Uint8Array): void;
  err(data: Uint8Array): void;
}

export interface Session {
  /** Resolves with the end frame (exit code); rejects with OvlError (FORBIDDEN, TIMEOUT, the agent's error). */
  readonly done: Promise<AgentEnd>;
  send(c: Control): void;
}

export type SessionBody<K extends AgentRequestKind> = Omit<AgentRequest<K>, "session">;

/** Agent errors with a code of ours come back as that OvlError; others as INTERNAL. */
function endError(end: AgentEnd): OvlError | null {
  if (!end.error) return null;
  return new OvlError(isOvlErrorCode(end.error.code) ? end.error.code : OvlErrorCodes.Internal, end.error.message);
}

export function openSession<K extends AgentRequestKind>(nc: NatsConnection, node: string, kind: K, body: SessionBody<K>, output: SessionOutput, firstFrameMs = 5000): Session {
  const session = randomBytes(12).toString("base64url");
  const inbox = createInbox((nc as unknown as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  const control = subjects.agentControlSubject(node, kind, session);
  const request = subjects.agentSubject(node, kind);
  const sub = nc.subscribe(inbox);
  const status = nc.status();
  const send = (c: Control) => nc.publish(control, encodeJson(c), { reply: inbox });
  const named = (body as { name?: string }).name;
  const what = named === undefined ? `${kind} on ${node}` : `${kind} of ${named}`;
  let expected = 1;
  let first: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;

  const unanswered = () => new OvlError(OvlErrorCodes.Unavailable, `the agent of node ${node} does not answer (${what}); is it running?`);
  const frames = (async (): Promise<AgentEnd> => {
    for await (const m of sub) {
      clearTimeout(first);
      // The server's "no responders": nothing subscribes to that node's requests.
      if (m.headers?.hasError && m.headers.code === 503) throw unanswered();
      const seq = parseSeq(m.headers?.get(SEQ_HEADER));
      if (seq !== expected++) throw new OvlError(OvlErrorCodes.Internal, `${what}: frame ${seq} arrived where ${expected - 1} was due (output lost)`);
      const frame = parseFrameKind(m.headers?.get(FRAME_HEADER));
      if (frame === "end") {
        const end = parseAgentEnd(m.data);
        const err = endError(end);
        if (err) throw err;
        return end;
      }
      if (m.data.length > 0) output[frame](m.data); // an empty frame: the agent is there, nothing to show yet
      if (seq % ACK_EVERY === 0) send({ t: "ack", seq });
    }
    throw new OvlError(OvlErrorCodes.Unavailable, `${what}: the connection closed`);
  })();
  const refused = (async (): Promise<never> => {
    for await (const s of status) {
      const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.data === "PERMISSIONS_VIOLATION" && ctx && (ctx.subject === request || ctx.subject === control)) {
        throw new OvlError(OvlErrorCodes.Forbidden, `not allowed to send to ${ctx.subject}: this identity may not ${kind} (see docs/security.md)`);
      }
    }
    return new Promise<never>(() => {});
  })();
  const silent = new Promise<never>((_, reject) => {
    first = setTimeout(() => reject(unanswered()), firstFrameMs);
  });
  ping = setInterval(() => send({ t: "ping" }), PING_MS);
  nc.publish(request, encodeJson({ ...body, session }), { reply: inbox });

  const done = Promise.race([frames, refused, silent]).finally(() => {
    clearTimeout(first);
    clearInterval(ping);
    sub.unsubscribe();
    (status as unknown as { stop?: () => void }).stop?.();
  });
  done.catch((err: unknown) => {
    if (!(err instanceof OvlError && err.code === OvlErrorCodes.Forbidden) && !nc.isClosed()) send({ t: "close" });
  });
  return { done, send };
}
