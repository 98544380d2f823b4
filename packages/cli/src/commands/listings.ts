/**
 * `ovl ps` and `ovl nodes`: the coordinator's rows (domain views.ts), printed as an aligned
 * table for people or, with --json, exactly as a JSON array for scripts.
 */
import { age, formatPort, humanBytes, percent, type NodeRow, type PsRow } from "@ovl/domain";
import { out, withClient, type GlobalOptions } from "../context.js";
import { table } from "../format.js";

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

export async function psCommand(g: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const rows = await withClient(g, (c) => c.ps());
  await out(opts.json ? json(rows) : rows.length ? psTable(rows) : "no containers (start one with `ovl run NAME --image IMG`)\n");
  return 0;
}

export async function nodesCommand(g: GlobalOptions, opts: { json?: boolean; all?: boolean }): Promise<number> {
  const rows = await withClient(g, (c) => c.nodes({ all: Boolean(opts.all) }));
  await out(opts.json ? json(rows) : rows.length ? nodesTable(rows, Date.now()) : "no nodes (start one with `ovl agent --node NAME`)\n");
  return 0;
}
