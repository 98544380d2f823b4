/**
 * `ovl ps` and `ovl nodes`: the coordinator's rows (domain views.ts), printed as an aligned
 * table for people or, with --json, exactly as a JSON array for scripts.
 */
import { formatPort, nodeRows, psRows, type ClusterState, type NodeRow, type PsRow } from "@ovl/domain";
import type { OvlClient } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { age, humanBytes, percent, table } from "../format.js";

/** Characters of a failure reason the table shows: Docker's can run to hundreds, and would widen every row. */
const REASON_WIDTH = 48;

/** A failure reason on one table line, cut to REASON_WIDTH (the whole text: `--json`, `ovl events`). */
export function shortReason(reason: string): string {
  const line = reason.replace(/\s+/g, " ").trim();
  return line.length <= REASON_WIDTH ? line : `${line.slice(0, REASON_WIDTH - 1)}…`;
}

export function psTable(rows: readonly PsRow[]): string {
  return table(
    ["NAME", "NODE", "IP", "IMAGE", "STATE", "PORTS"],
    rows.map((r) => [r.name, r.node, r.ip, r.image, r.reason ? `${r.state} (${shortReason(r.reason)})` : r.state, r.ports.map(formatPort).join(",")]),
  );
}

export function nodesTable(rows: readonly NodeRow[], now: number): string {
  return table(
    ["NAME", "IP", "SUBNET", "STATUS", "CPU", "MEM FREE", "SEEN", "CONTAINERS"],
    rows.map((r) => [
      r.name,
      r.ip,
      r.subnet ?? "-",
      r.status,
      percent(r.cpu),
      humanBytes(r.memFree),
      r.lastSeen ? `${age(r.lastSeen, now)} ago` : "-",
      String(r.containers),
    ]),
  );
}

const json = (rows: unknown): string => `${JSON.stringify(rows, null, 2)}\n`;

/** The cluster right after the event at `seq`: the nearest snapshot, then the events up to it (heartbeats are not history). */
async function stateAtSeq(c: OvlClient, seq: number): Promise<ClusterState> {
  const { stateAt } = await import("@ovl/client");
  return (await stateAt(c.nc, seq, (line) => process.stderr.write(`${line}\n`))).state;
}

export async function psCommand(g: GlobalOptions, opts: { json?: boolean; at?: number }): Promise<number> {
  const rows = await withClient(g, async (c) => (opts.at === undefined ? c.ps() : psRows(await stateAtSeq(c, opts.at))));
  await out(opts.json ? json(rows) : rows.length ? psTable(rows) : "no containers (start one with `ovl run NAME --image IMG`)\n");
  return 0;
}

export async function nodesCommand(g: GlobalOptions, opts: { json?: boolean; all?: boolean; at?: number }): Promise<number> {
  const all = Boolean(opts.all);
  const rows = await withClient(g, async (c) => (opts.at === undefined ? c.nodes({ all }) : nodeRows(await stateAtSeq(c, opts.at), new Map(), { all })));
  await out(opts.json ? json(rows) : rows.length ? nodesTable(rows, Date.now()) : "no nodes (start one with `ovl agent --node NAME`)\n");
  return 0;
}
