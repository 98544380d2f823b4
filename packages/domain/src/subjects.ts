/**
 * Every NATS subject and stream name of ovl, in one place. Tokens that carry a node or
 * container name are valid names (names.ts), so they are always single subject tokens.
 */
export const STREAM_EVENTS = "OVL_EVENTS";
export const STREAM_HEARTBEATS = "OVL_HEARTBEATS";

export const EVENTS_WILDCARD = "ovl.evt.>";

/** Commands from people and scripts (CLI, TUI): request/reply to the coordinators' queue group. */
export const COMMAND_VERBS = ["run", "rm", "leave", "release"] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];
export const commandSubject = (verb: CommandVerb): string => `ovl.cmd.${verb}`;
export const COMMANDS_WILDCARD = "ovl.cmd.*";

/** Queries answered from a coordinator's projection. */
export const QUERY_KINDS = ["ps", "nodes", "state"] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];
export const querySubject = (kind: QueryKind): string => `ovl.qry.${kind}`;
export const QUERIES_WILDCARD = "ovl.qry.*";

/**
 * What an agent says about its own node: join, container state reports, leave completed.
 * The node is a subject token, so a permission can confine an agent to its own node.
 */
export const REPORT_KINDS = ["join", "container", "left"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const reportSubject = (node: string, kind: ReportKind): string => `ovl.rpt.${node}.${kind}`;
export const REPORTS_WILDCARD = "ovl.rpt.*.*";

/** Heartbeats with metrics: kept out of OVL_EVENTS, one message per node in OVL_HEARTBEATS. */
export const heartbeatSubject = (node: string): string => `ovl.hb.${node}`;
export const HEARTBEATS_WILDCARD = "ovl.hb.>";

/** Every coordinator (no queue group) answers a request here with who it is (`ovl status`). */
export const COORDINATORS_PRESENCE = "ovl.presence.coordinators";

/** The queue group all coordinators serve commands, reports and queries in. */
export const COORDINATOR_QUEUE = "ovl-coordinators";

/** One inbox prefix per client, so that permissions can confine replies to their asker. */
export const inboxPrefixFor = (client: string): string => `_INBOX_${client.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** Splits "ovl.rpt.<node>.<kind>"; null when the subject is not a report subject. */
export function parseReportSubject(subject: string): { node: string; kind: ReportKind } | null {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "ovl" || parts[1] !== "rpt") return null;
  const kind = parts[3] as ReportKind;
  return REPORT_KINDS.includes(kind) ? { node: parts[2]!, kind } : null;
}
