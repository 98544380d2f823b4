/**
 * What each request subject means: the command it becomes (validated: a bad body is
 * INVALID_INPUT and decides nothing), the reply when the decision appends nothing, and
 * the queries answered from the applied state. Pure, apart from reading the state.
 */
import { Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import {
  OvlError,
  OvlErrorCodes,
  isName,
  networkRows,
  nodeRows,
  parseCommandData,
  parsePsQuery,
  psRowsFor,
  subjects,
  type ClusterState,
  type CommandType,
  type Heartbeat,
} from "@ovl/domain";
import type { CommandBody, JobSpec } from "./pipeline/jobs.js";
import { joinReply } from "./projection/replies.js";

const invalid = (message: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, message);

const statusReply = (node: string) => (state: ClusterState, seq: number) => ({ node, status: state.nodes[node]?.status ?? "left", seq });
const seqReply = (_state: ClusterState, seq: number) => ({ seq });

function command<T extends CommandType>(type: T, body: unknown): CommandBody {
  return { type, data: parseCommandData(type, body) } as CommandBody;
}

const VERBS: Record<string, CommandType> = {
  run: "StartContainer",
  rm: "RemoveContainer",
  leave: "LeaveNode",
  release: "ReleaseNode",
  "network-create": "CreateNetwork",
  "network-rm": "RemoveNetwork",
};
const REPORTS: Record<string, CommandType> = {
  join: "JoinNode",
  container: "ReportContainer",
  left: "CompleteLeave",
  "docker-reserve": "ReserveDockerAddress",
  "docker-claim": "ClaimDockerAddress",
  "docker-release": "ReleaseDockerAddress",
};

function noopFor(cmd: CommandBody): JobSpec["noop"] {
  switch (cmd.type) {
    case "JoinNode":
      return (state, seq) => joinReply(state, cmd.data.node, seq);
    case "LeaveNode":
    case "ReleaseNode":
      return statusReply(cmd.data.node);
    default:
      return seqReply;
  }
}

/** `ovl.cmd.<verb>` and `ovl.rpt.<node>.<kind>` to a job; null when the subject is neither. */
export function jobFor(subject: string, id: string, body: unknown): JobSpec | null {
  const parts = subject.split(".");
  if (parts[0] === "ovl" && parts[1] === "cmd" && parts.length === 3) {
    const type = VERBS[parts[2]!];
    if (!type) throw invalid(`unknown command ${JSON.stringify(parts[2])}: expected one of ${Object.keys(VERBS).join(", ")}`);
    const cmd = command(type, body);
    return { id, command: cmd, noop: noopFor(cmd) };
  }
  if (parts[0] === "ovl" && parts[1] === "rpt" && parts.length === 4) {
    const [, , node, kind] = parts as [string, string, string, string];
    const type = REPORTS[kind];
    if (!type) throw invalid(`unknown report ${JSON.stringify(kind)}: expected one of ${Object.keys(REPORTS).join(", ")}`);
    if (!isName(node)) throw invalid(`invalid node ${JSON.stringify(node)} in subject ${subject}`);
    const cmd = command(type, body);
    if ((cmd.data as { node: string }).node !== node) {
      throw invalid(`a report on ${subject} must be about node ${node}, not ${(cmd.data as { node: string }).node}`);
    }
    return { id, command: cmd, noop: noopFor(cmd) };
  }
  return null;
}

const Empty = TypeCompiler.Compile(Type.Object({}, { additionalProperties: false }));
const NodesQuery = TypeCompiler.Compile(Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }));

export interface QueryContext {
  readonly state: ClusterState;
  readonly seq: number;
  readonly heartbeats: ReadonlyMap<string, Heartbeat>;
}

/** `ovl.qry.<kind>` answered from the applied state; null when the subject is not a query. */
export function answerQuery(subject: string, body: unknown, ctx: QueryContext): unknown {
  switch (subject) {
    case subjects.querySubject("ps"):
      return psRowsFor(ctx.state, parsePsQuery(body));
    case subjects.querySubject("nodes"):
      if (!NodesQuery.Check(body)) throw invalid('invalid nodes query: expected {} or {"all": true}');
      return nodeRows(ctx.state, ctx.heartbeats, { all: (body as { all?: boolean }).all === true, seq: ctx.seq });
    case subjects.querySubject("networks"):
      if (!Empty.Check(body)) throw invalid("invalid networks query: expected {}");
      return networkRows(ctx.state);
    case subjects.querySubject("state"):
      if (!Empty.Check(body)) throw invalid("invalid state query: expected {}");
      return { seq: ctx.seq, state: ctx.state };
    default:
      throw invalid(`unknown query ${subject}: expected one of ${subjects.QUERY_KINDS.map(subjects.querySubject).join(", ")}`);
  }
}
