/**
 * Subject permissions per role, pure and built only from the domain's subjects
 * (subjects.ts), so that `ovl broker` can never grant a subject the code does not use.
 *
 * - admin: the whole account (stream setup, backup, restore); hand it to no process.
 * - coordinator: the only writer of `ovl.evt.>`; serves commands, queries and reports
 *   (replies through `allow_responses`: it may answer exactly the requests it received).
 * - agent-<node>: its own node's reports and heartbeat, and a read-only ordered consumer
 *   on OVL_EVENTS (the JetStream API subjects measured in stack-facts.md section 5).
 * - operator: commands and queries, and reading both streams.
 * - viewer: queries and reading (also live, `ovl.evt.>` as `nats sub` does); no command.
 * Every client subscribes only under its own inbox prefix (connect.ts sets it from the
 * identity's user name), so no one can read another client's replies.
 */
import { OvlError, OvlErrorCodes, isName, subjects } from "@ovl/domain";

export const ROLES = ["admin", "coordinator", "agent", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May publish one reply to the reply subject of each message it received. */
  readonly allowResponses: boolean;
}

const API = "$JS.API";
const { STREAM_EVENTS: EVENTS, STREAM_HEARTBEATS: HEARTBEATS } = subjects;

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

const reader = (): string[] => [`${API}.INFO`, ...readStream(EVENTS), ...readStream(HEARTBEATS), ...getMessages(EVENTS), ...getMessages(HEARTBEATS)];

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

export function parseRole(raw: string): Role {
  if (!(ROLES as readonly string[]).includes(raw)) throw new OvlError(OvlErrorCodes.InvalidInput, `invalid role ${JSON.stringify(raw)}: one of ${ROLES.join(", ")}`);
  return raw as Role;
}

const inbox = (user: string): string => `${subjects.inboxPrefixFor(user)}.>`;

function coordinator(user: string): Permissions {
  const manage = [EVENTS, HEARTBEATS].flatMap((s) => [`${API}.STREAM.CREATE.${s}`, `${API}.STREAM.UPDATE.${s}`]);
  return {
    publish: [subjects.EVENTS_WILDCARD, ...reader(), `${API}.STREAM.NAMES`, `${API}.STREAM.LIST`, ...manage],
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
      return { publish: [...own, ...readStream(EVENTS)], subscribe: [inbox(user)], allowResponses: false };
    }
    case "operator":
      return { publish: [subjects.COMMANDS_WILDCARD, subjects.QUERIES_WILDCARD, ...reader()], subscribe: [inbox(user), subjects.HEARTBEATS_WILDCARD, subjects.EVENTS_WILDCARD], allowResponses: false };
    case "viewer":
      return { publish: [subjects.QUERIES_WILDCARD, ...reader()], subscribe: [inbox(user), subjects.HEARTBEATS_WILDCARD, subjects.EVENTS_WILDCARD], allowResponses: false };
  }
}
