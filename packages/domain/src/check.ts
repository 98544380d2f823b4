/**
 * `ovl check`: every node probes every peer through the overlay, from its gateway address
 * (on ovl-br) to the peer's, so each probe crosses both bridges, the VXLAN devices, the FDB
 * and neighbour entries and the LAN between them.
 *
 * How one check runs: the client sends a `check` request (agent-wire.ts) with one check id
 * to every ready node's agent at once. Each agent opens its responder (UDP and TCP echo on
 * its gateway address, CHECK_PORT, answering only payloads that carry an open check's id),
 * probes its peers in parallel (ICMP echo; a UDP echo; a TCP echo; a UDP echo of a full
 * cluster-MTU packet, which Linux sends with DF set), writes its report as one JSON line,
 * and keeps its responder open until the client closes the session, so that a slower peer
 * still finds it. Probes retry a refused UDP or TCP echo until their deadline: a peer may
 * open its responder a moment after the first probe arrives. The client then builds the
 * matrix (checkMatrix) from the reports alone.
 */
import { Type, type Static } from "@sinclair/typebox";
import { lazyCheck } from "./compile.js";
import { checked } from "./compile.js";
import { decodeJson } from "./wire.js";
import { Ipv4, Name } from "./schema.js";

/** The responders' port, UDP and TCP, on each node's gateway address, only while a check runs. */
export const CHECK_PORT = 4797;
/** Each probe's deadline; an agent answers within about this plus the start of its ping. */
export const CHECK_PROBE_MS = 2000;
/** How long the client waits for an agent's report before naming it unanswered. */
export const CHECK_ANSWER_MS = 6000;
/** IPv4 (20) and UDP (8) headers: a UDP payload of MTU - 28 bytes fills one overlay packet. */
export const UDP_OVERHEAD = 28;

export const CHECK_PROBES = ["icmp", "udp", "tcp", "mtu"] as const;
export type CheckProbe = (typeof CHECK_PROBES)[number];

const closed = { additionalProperties: false } as const;
const Reason = Type.String({ maxLength: 512 });
const ProbeResultSchema = Type.Object({ ok: Type.Boolean(), ms: Type.Optional(Type.Number({ minimum: 0 })), reason: Type.Optional(Reason) }, closed);
export type ProbeResult = Static<typeof ProbeResultSchema>;

export const CheckReportSchema = Type.Object(
  {
    node: Name,
    ip: Ipv4,
    mtu: Type.Integer({ minimum: 576, maximum: 9000 }),
    responder: ProbeResultSchema,
    peers: Type.Array(
      Type.Object({ to: Name, ip: Ipv4, icmp: ProbeResultSchema, udp: ProbeResultSchema, tcp: ProbeResultSchema, mtu: ProbeResultSchema }, closed),
      { maxItems: 4096 },
    ),
    /** With --containers: this node's containers probing others, from inside their namespaces. */
    containers: Type.Optional(Type.Array(Type.Object({ from: Name, to: Name, ip: Ipv4, icmp: ProbeResultSchema, mtu: ProbeResultSchema }, closed), { maxItems: 65536 })),
    /** With --containers: other nodes' published TCP ports, reached on their LAN address from this node. */
    ports: Type.Optional(Type.Array(Type.Object({ container: Name, node: Name, address: Type.String({ maxLength: 64 }), result: ProbeResultSchema }, closed), { maxItems: 65536 })),
  },
  closed,
);
export type CheckReport = Static<typeof CheckReportSchema>;
export type PeerResult = CheckReport["peers"][number];

const reportCheck = lazyCheck(CheckReportSchema);
export const parseCheckReport = (bytes: Uint8Array): CheckReport => checked(reportCheck(), decodeJson(bytes, "check report"), "check report");

/** Past this many running containers, each probes only the next CONTAINER_SAMPLE in name order (a ring). */
export const CONTAINER_PAIRS_ALL = 16;
export const CONTAINER_SAMPLE = 8;

/** Whom a container probes: every other one up to CONTAINER_PAIRS_ALL, else its next CONTAINER_SAMPLE on the ring. Pure. */
export function containerTargets(all: readonly string[], from: string): string[] {
  const ring = [...all].sort();
  const at = ring.indexOf(from);
  if (at < 0) return [];
  if (ring.length <= CONTAINER_PAIRS_ALL) return ring.filter((n) => n !== from);
  return Array.from({ length: CONTAINER_SAMPLE }, (_, i) => ring[(at + 1 + i) % ring.length]!);
}

/** The failures of --containers, one line each: "web1 -> db: icmp: ...", "port web1 8080/tcp on n1 (198.18.0.11:8080): ...". Pure. */
export function containerFailures(reports: readonly CheckReport[]): { probed: number; ports: number; failed: string[] } {
  const pairs = reports.flatMap((r) => r.containers ?? []);
  const ports = reports.flatMap((r) => (r.ports ?? []).map((p) => ({ ...p, by: r.node })));
  const failed = [
    ...pairs.filter((p) => !p.icmp.ok || !p.mtu.ok).map((p) => `${p.from} -> ${p.to}: ${[!p.icmp.ok ? `icmp: ${p.icmp.reason ?? "failed"}` : "", !p.mtu.ok ? `mtu: ${p.mtu.reason ?? "failed"}` : ""].filter(Boolean).join("; ")}`),
    ...ports.filter((p) => !p.result.ok).map((p) => `port of ${p.container} at ${p.address} from ${p.by}: ${p.result.reason ?? "failed"}`),
  ];
  return { probed: pairs.length, ports: ports.length, failed };
}

/** One cell of the matrix: `from` probed `to`. */
export interface CheckCell {
  readonly from: string;
  readonly to: string;
  readonly ok: boolean;
  /** The ICMP round trip (else the UDP one), when it passed. */
  readonly ms?: number;
  readonly reason?: string;
}

/** What a node's agent said: its report, or why there is none. */
export type CheckAnswer = { readonly report: CheckReport } | { readonly error: string };

function cellOf(from: string, to: string, answer: CheckAnswer | undefined, target: CheckAnswer | undefined): CheckCell {
  if (!answer || "error" in answer) return { from, to, ok: false, reason: `no report from the agent of ${from}: ${answer ? answer.error : "not asked"}` };
  const peer = answer.report.peers.find((p) => p.to === to);
  if (!peer) return { from, to, ok: false, reason: `not probed: ${from} does not hold ${to} as a ready peer` };
  const failed = CHECK_PROBES.filter((k) => !peer[k].ok).map((k) => `${k === "mtu" ? `mtu ${answer.report.mtu}` : k}: ${peer[k].reason ?? "failed"}`);
  const ms = peer.icmp.ms ?? peer.udp.ms;
  if (failed.length === 0) return { from, to, ok: true, ...(ms !== undefined ? { ms } : {}) };
  // A responder that could not open, or an agent that did not answer, explains failed echoes.
  const echoes = !peer.udp.ok || !peer.tcp.ok || !peer.mtu.ok;
  const why = !target || "error" in target ? `the agent of ${to} did not answer` : target.report.responder.ok ? null : `responder of ${to}: ${target.report.responder.reason ?? "failed"}`;
  return { from, to, ok: false, reason: [...failed, ...(echoes && why ? [`(${why})`] : [])].join("; ") };
}

/** Every ordered pair of distinct nodes, in the order given. */
export function checkMatrix(nodes: readonly string[], answers: ReadonlyMap<string, CheckAnswer>): CheckCell[] {
  return nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => cellOf(from, to, answers.get(from), answers.get(to))));
}

/** The node pairs that failed in either direction, each once as "a-b" (a < b). */
export function failedPairs(cells: readonly CheckCell[]): string[] {
  const pairs = new Set(cells.filter((c) => !c.ok).map((c) => [c.from, c.to].sort().join("-")));
  return [...pairs].sort();
}

const cellText = (c: CheckCell | undefined): string => (!c ? "-" : c.ok ? `ok ${c.ms !== undefined ? `${c.ms}ms` : ""}`.trim() : "FAILED");

/** The matrix for people: a summary line, rows FROM by columns TO, then each failed cell's reason. Pure. */
export function checkLines(nodes: readonly string[], cells: readonly CheckCell[]): string[] {
  const at = new Map(cells.map((c) => [`${c.from} ${c.to}`, c]));
  const rows = [["FROM \\ TO", ...nodes], ...nodes.map((from) => [from, ...nodes.map((to) => cellText(at.get(`${from} ${to}`)))])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd());
  const failed = cells.filter((c) => !c.ok);
  const pairs = failedPairs(cells);
  const head = failed.length === 0
    ? `check: ${nodes.length} node${nodes.length === 1 ? "" : "s"}, ${cells.length} directions: all passed`
    : `check: ${failed.length} of ${cells.length} directions failed, pairs ${pairs.join(", ")}`;
  return [head, "", ...table, ...(failed.length ? ["", ...failed.map((c) => `${c.from} -> ${c.to}: ${c.reason ?? "failed"}`)] : [])];
}
