/**
 * Every NATS subject and stream name of ovl, in one place. Tokens that carry a node or
 * container name are valid names (names.ts), so they are always single subject tokens.
 */
export const STREAM_EVENTS = "OVL_EVENTS";
export const STREAM_HEARTBEATS = "OVL_HEARTBEATS";

/** Every event subject starts here: `<prefix>.cluster`, `<prefix>.node.<node>`, `<prefix>.ctr.<node>.<name>`. */
export const EVENT_SUBJECT_PREFIX = "ovl.evt";
export const EVENTS_WILDCARD = `${EVENT_SUBJECT_PREFIX}.>`;
export const clusterEventSubject = (): string => `${EVENT_SUBJECT_PREFIX}.cluster`;
export const nodeEventSubject = (node: string): string => `${EVENT_SUBJECT_PREFIX}.node.${node}`;
export const containerEventSubject = (node: string, name: string): string => `${EVENT_SUBJECT_PREFIX}.ctr.${node}.${name}`;
/** Whether a subject lies under the event prefix (not the prefix alone). */
export const isEventSubject = (subject: string): boolean => subject.startsWith(`${EVENT_SUBJECT_PREFIX}.`);

/** Commands from people and scripts (CLI, TUI): request/reply to the coordinators' queue group. */
export const COMMAND_VERBS = ["run", "rm", "leave", "release", "network-create", "network-rm"] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];
export const commandSubject = (verb: CommandVerb): string => `ovl.cmd.${verb}`;
export const COMMANDS_WILDCARD = "ovl.cmd.*";

/** Queries answered from a coordinator's projection. */
export const QUERY_KINDS = ["ps", "nodes", "state", "networks"] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];
export const querySubject = (kind: QueryKind): string => `ovl.qry.${kind}`;
export const QUERIES_WILDCARD = "ovl.qry.*";

/**
 * What an agent says about its own node: join, container state reports, leave completed.
 * The node is a subject token, so a permission can confine an agent to its own node.
 */
export const REPORT_KINDS = ["join", "container", "left", "docker-reserve", "docker-claim", "docker-release"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const reportSubject = (node: string, kind: ReportKind): string => `ovl.rpt.${node}.${kind}`;
export const REPORTS_WILDCARD = "ovl.rpt.*.*";

/** Heartbeats with metrics: kept out of OVL_EVENTS, one message per node in OVL_HEARTBEATS. */
export const heartbeatSubject = (node: string): string => `ovl.hb.${node}`;
export const HEARTBEATS_WILDCARD = "ovl.hb.>";
/** Node heartbeats only: one token after `ovl.hb`, so coordinators' beats (below) are not among them. */
export const NODE_HEARTBEATS_WILDCARD = "ovl.hb.*";
/** Coordinators' presence beats (version, commit), in the same stream; the id is one token. */
export const coordinatorBeatSubject = (id: string): string => `ovl.hb.coord.${id}`;
export const COORDINATOR_BEATS_WILDCARD = "ovl.hb.coord.*";


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

/**
 * Snapshots of the fold (snapshot.ts), written by the coordinators: per snapshot, its state
 * in chunks on `ovl.snap.<seq>.data`, then its head (what it is, where its chunks are) on
 * `ovl.snap.<seq>.head`. A head exists only once all its chunks are stored.
 */
export const STREAM_SNAPSHOTS = "OVL_SNAPSHOTS";
export const SNAPSHOTS_WILDCARD = "ovl.snap.>";
export const SNAPSHOT_HEADS = "ovl.snap.*.head";
export const snapshotSubject = (seq: number, part: "head" | "data"): string => `ovl.snap.${seq}.${part}`;

/**
 * Requests the agent of a node serves itself (a container's logs, exec, inspect, and the
 * overlay check of its node), and the
 * control messages of their sessions (`.<kind>.<session>`). The node is a subject token,
 * so an agent may subscribe to its own only, and the kind lets a viewer be denied exec.
 */
type AgentKind = "logs" | "exec" | "inspect" | "check";
export const agentSubject = (node: string, kind: AgentKind): string => `ovl.agent.${node}.${kind}`;
export const agentControlSubject = (node: string, kind: AgentKind, session: string): string => `ovl.agent.${node}.${kind}.${session}`;
export const agentNodeWildcard = (node: string): string => `ovl.agent.${node}.>`;
/** What a client identity may send for one kind, to any node: the request and its sessions' control. */
export const agentKindSubjects = (kind: AgentKind): string[] => [`ovl.agent.*.${kind}`, `ovl.agent.*.${kind}.*`];
