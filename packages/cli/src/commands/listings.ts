/**
 * `ovl ps` and `ovl nodes`: the coordinator's rows (domain views.ts), printed as an aligned
 * table for people or, with --json, exactly as a JSON array for scripts. `ovl ps` filters
 * on the coordinator's side (--node, --state, --network).
 */
import { age, coordinatorsLine, coordinatorsUnknownLine, formatPort, humanBytes, liveCoordinators, nodeRows, parsePsQuery, percent, psRowsFor, rowAttachments, type ClusterState, type NodeRow, type PsQuery, type PsRow } from "@ovl/domain";
import type { OvlClient } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { table } from "../format.js";
import { UsageError, asUsage } from "../errors.js";

/** Characters of a failure reason the table shows: Docker's can run to hundreds, and would widen every row. */
const REASON_WIDTH = 48;

/** A failure reason on one table line, cut to REASON_WIDTH (the whole text: `--json`, `ovl events`). */
export function shortReason(reason: string): string {
  const line = reason.replace(/\s+/g, " ").trim();
  return line.length <= REASON_WIDTH ? line : `${line.slice(0, REASON_WIDTH - 1)}…`;
}

export function psTable(rows: readonly PsRow[]): string {
  return table(
    ["NAME", "NODE", "IP", "NETWORKS", "IMAGE", "STATE", "PORTS"],
    // One address per network, in the same order as NETWORKS (the first is `ip`).
    rows.map((r) => {
      const on = rowAttachments(r);
      return [r.name, r.node, on.map((a) => a.ip).join(","), on.map((a) => a.network).join(","), r.image, r.reason ? `${r.state} (${shortReason(r.reason)})` : r.state, r.ports.map(formatPort).join(",")];
    }),
  );
}

export function nodesTable(rows: readonly NodeRow[], now: number): string {
  return table(
    ["NAME", "IP", "SUBNET", "STATUS", "PATH", "CPU", "MEM FREE", "SEEN", "CONTAINERS", "VERSION"],
    rows.map((r) => [
      r.name,
      r.ip,
      r.subnet ?? "-",
      r.status,
      r.path ?? "-",
      percent(r.cpu),
      humanBytes(r.memFree),
      r.lastSeen ? `${age(r.lastSeen, now)} ago` : "-",
      String(r.containers),
      r.agentVersion,
    ]),
  );
}

const json = (rows: unknown): string => `${JSON.stringify(rows, null, 2)}\n`;

/**
 * The cluster at `at` (a sequence, a time, or a time ago): the nearest snapshot, then the
 * events up to that point (heartbeats are not history). A sequence past the last event is
 * refused: the state there is not known yet, and the current one would pass for it.
 */
async function stateAtPoint(c: OvlClient, at: string): Promise<ClusterState> {
  const { parseAt, sequenceAt, stateAt } = await import("@ovl/client");
  const target = asUsage(() => parseAt(at, new Date()));
  const seq = await sequenceAt(c.nc, target);
  if (target.kind === "seq" && target.seq > seq) throw new UsageError(`--at ${target.seq}: the history ends at seq ${seq}`);
  return (await stateAt(c.nc, seq, (line) => process.stderr.write(`${line}\n`))).state;
}

export interface PsOptions {
  readonly json?: boolean;
  readonly node?: string;
  readonly state?: string;
  readonly network?: string;
  /** The listing right after the event at this sequence (the history, not the coordinator). */
  readonly at?: string;
}

export async function psCommand(g: GlobalOptions, opts: PsOptions): Promise<number> {
  // The coordinator filters and validates (a bad value is INVALID_INPUT: a usage error); a
  // listing of the past is filtered here with the same rules.
  const query = { ...(opts.node !== undefined && { node: opts.node }), ...(opts.state !== undefined && { state: opts.state }), ...(opts.network !== undefined && { network: opts.network }) };
  const rows = await withClient(g, async (c) =>
    opts.at === undefined ? c.ps(query as PsQuery) : psRowsFor(await stateAtPoint(c, opts.at), parsePsQuery(query)));
  const filtered = Object.keys(query).length > 0;
  await out(opts.json ? json(rows) : rows.length ? psTable(rows) : filtered ? "no containers match\n" : "no containers (start one with `ovl run NAME --image IMG`)\n");
  return 0;
}

export async function nodesCommand(g: GlobalOptions, opts: { json?: boolean; all?: boolean; at?: string }): Promise<number> {
  const all = Boolean(opts.all);
  if (opts.json || opts.at !== undefined) {
    const rows = await withClient(g, async (c) => (opts.at === undefined ? c.nodes({ all }) : nodeRows(await stateAtPoint(c, opts.at), new Map(), { all })));
    await out(opts.json ? json(rows) : rows.length ? nodesTable(rows, Date.now()) : "no nodes at that point of the history\n");
    return 0;
  }
  const { readCoordinatorBeats } = await import("@ovl/client");
  const [rows, beats] = await withClient(g, (c) => Promise.all([c.nodes({ all }), readCoordinatorBeats(c.nc)]));
  const now = Date.now();
  const coordinators = beats.read ? coordinatorsLine(liveCoordinators(beats.beats, now)) : coordinatorsUnknownLine(beats.why);
  await out(`${rows.length ? nodesTable(rows, now) : "no nodes (start one with `ovl agent --node NAME`)\n"}${coordinators}\n`);
  return 0;
}
