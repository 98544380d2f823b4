/**
 * Subject permissions per role, pure and built only from the domain's subjects
 * (subjects.ts), so that `ovl broker` can never grant a subject the code does not use.
 *
 * - admin: the whole account (stream setup, backup, restore); hand it to no process.
 * - coordinator: the only writer of `ovl.evt.>` (and of its presence beat); serves commands, queries and reports
 *   (replies through `allow_responses`: it may answer exactly the requests it received).
 * - agent-<node>: its own node's reports and heartbeat, and a read-only ordered consumer
 *   on OVL_EVENTS (the JetStream API subjects nats.js 2.29 was seen to use against nats-server 2.9), and
 *   reading snapshots (every reader may; only coordinators write them).
 * - operator: commands and queries, and reading both streams (and their stream info, which
 *   `ovl status` shows).
 * - viewer: queries and reading (also live, `ovl.evt.>` as `nats sub` does); no command.
 * - agent requests (ovl.agent.<node>.logs|exec|inspect|check): the agent subscribes to its own
 *   node's and answers a session with many frames (allow_responses with a max); the
 *   operator may ask all four, the viewer logs and inspect, never exec or check (a check
 *   opens listening sockets on every node).
 * Every client subscribes only under its own inbox prefix (connect.ts sets it from the
 * identity's user name), so no one can read another client's replies.
 */
import { OvlError, OvlErrorCodes, isName, subjects } from "@ovl/domain";
import type { Role } from "@ovl/client";

export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May publish one reply to the reply subject of each message it received. */
  readonly allowResponses: boolean;
  /** Instead: up to `max` replies within `expiresSec` of each message received (a session's frames). */
  readonly responses?: { readonly max: number; readonly expiresSec: number };
}

/** Frames an agent may send on a session's inbox per client message, for this long (each control message renews it). */
const SESSION_RESPONSES = { max: 100_000, expiresSec: 120 } as const;
const agentKinds = (...kinds: ("logs" | "exec" | "inspect" | "check")[]): string[] => kinds.flatMap((k) => subjects.agentKindSubjects(k));

const API = "$JS.API";
const { STREAM_EVENTS: EVENTS, STREAM_HEARTBEATS: HEARTBEATS, STREAM_SNAPSHOTS: SNAPSHOTS } = subjects;

/** An ordered (or named ephemeral) consumer on one stream: create, look up, pull, delete. */
const readStream = (s: string): string[] => [
  `${API}.STREAM.INFO.${s}`,
  `${API}.CONSUMER.CREATE.${s}`,
  `${API}.CONSUMER.CREATE.${s}.>`,
  `${API}.CONSUMER.INFO.${s}.*`,
  `${API}.CONSUMER.MSG.NEXT.${s}.*`,
  `${API}.CONSUMER.DELETE.${s}.*`,
];

/** Single messages by sequence or last-by-subject (`ovl nodes` reads heartbeats so). */
const getMessages = (s: string): string[] => [`${API}.STREAM.MSG.GET.${s}`, `${API}.DIRECT.GET.${s}`, `${API}.DIRECT.GET.${s}.>`];

/** Snapshots of the fold: listed (stream info with a subject filter) and read by sequence. */
const readSnapshots = (): string[] => [`${API}.STREAM.INFO.${SNAPSHOTS}`, `${API}.STREAM.MSG.GET.${SNAPSHOTS}`];

const reader = (): string[] => [`${API}.INFO`, ...readStream(EVENTS), ...readStream(HEARTBEATS), ...getMessages(EVENTS), ...getMessages(HEARTBEATS), ...readSnapshots()];

/** The user name of an identity: the role, `agent-<node>`, or `<role>-<name>` for extra ones. */
export function userFor(role: Role, nameOrNode?: string): string {
  if (nameOrNode !== undefined && !isName(nameOrNode)) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `invalid name ${JSON.stringify(nameOrNode)}: lower-case letters, digits and inner hyphens, at most 32`);
  }
  if (role === "agent") {
    if (nameOrNode === undefined) throw new OvlError(OvlErrorCodes.InvalidInput, "an agent identity needs its node name (--node)");
    return `agent-${nameOrNode}`;
  }
  return nameOrNode === undefined ? role : `${role}-${nameOrNode}`;
}

const inbox = (user: string): string => `${subjects.inboxPrefixFor(user)}.>`;

function coordinator(user: string): Permissions {
  const manage = [EVENTS, HEARTBEATS, SNAPSHOTS].flatMap((s) => [`${API}.STREAM.CREATE.${s}`, `${API}.STREAM.UPDATE.${s}`]);
  // It writes the snapshots and thins them out.
  const snapshots = [subjects.SNAPSHOTS_WILDCARD, `${API}.STREAM.PURGE.${SNAPSHOTS}`];
  return {
    publish: [subjects.EVENTS_WILDCARD, subjects.COORDINATOR_BEATS_WILDCARD, ...reader(), `${API}.STREAM.NAMES`, `${API}.STREAM.LIST`, ...manage, ...snapshots],
    subscribe: [subjects.COMMANDS_WILDCARD, subjects.QUERIES_WILDCARD, subjects.REPORTS_WILDCARD, subjects.HEARTBEATS_WILDCARD, inbox(user)],
    allowResponses: true,
  };
}

/** null for admin: no permissions block, everything inside the account. */
export function permissionsFor(role: Role, user: string, node?: string): Permissions | null {
  switch (role) {
    case "admin":
      return null;
    case "coordinator":
      return coordinator(user);
    case "agent": {
      if (!node || user !== userFor("agent", node)) throw new OvlError(OvlErrorCodes.InvalidInput, `agent identity ${user} does not match node ${node}`);
      const own = [`ovl.rpt.${node}.*`, subjects.heartbeatSubject(node)];
      // The event at a snapshot's sequence is read to check the snapshot (STREAM.MSG.GET).
      return {
        publish: [...own, ...readStream(EVENTS), `${API}.STREAM.MSG.GET.${EVENTS}`, ...readSnapshots()],
        subscribe: [inbox(user), subjects.agentNodeWildcard(node)],
        allowResponses: false,
        responses: SESSION_RESPONSES,
      };
    }
    case "operator":
      return { publish: [subjects.COMMANDS_WILDCARD, subjects.QUERIES_WILDCARD, ...agentKinds("logs", "exec", "inspect", "check"), ...reader()], subscribe: [inbox(user), subjects.HEARTBEATS_WILDCARD, subjects.EVENTS_WILDCARD], allowResponses: false };
    case "viewer":
      return { publish: [subjects.QUERIES_WILDCARD, ...agentKinds("logs", "inspect"), ...reader()], subscribe: [inbox(user), subjects.HEARTBEATS_WILDCARD, subjects.EVENTS_WILDCARD], allowResponses: false };
  }
}
