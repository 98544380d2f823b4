/**
 * `ovl check`: every pair of ready nodes probed through the overlay by their agents (ICMP,
 * UDP, TCP and a full cluster-MTU datagram that may not fragment). Prints the matrix, or
 * with `--json` one row per direction; exits 0 only when every probe passed.
 */
import { checkLines, type CheckAnswer, type CheckCell, type PeerResult } from "@ovl/domain";
import type { CheckResult } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";

export interface CheckRow extends CheckCell {
  /** Each probe as the agent of `from` reported it (absent when it sent no report). */
  readonly probes?: Omit<PeerResult, "to" | "ip">;
}

function probesOf(answer: CheckAnswer | undefined, to: string): CheckRow["probes"] {
  const peer = answer && "report" in answer ? answer.report.peers.find((p) => p.to === to) : undefined;
  return peer ? { icmp: peer.icmp, udp: peer.udp, tcp: peer.tcp, mtu: peer.mtu } : undefined;
}

/** One row per direction, with the probes behind its verdict. Pure. */
export function checkRows(r: CheckResult): CheckRow[] {
  return r.cells.map((c) => {
    const probes = probesOf(r.answers.get(c.from), c.to);
    return { ...c, ...(probes ? { probes } : {}) };
  });
}

export async function checkCommand(g: GlobalOptions, opts: { json?: boolean }): Promise<number> {
  const result = await withClient(g, (c) => c.check());
  await out(opts.json ? `${JSON.stringify(checkRows(result), null, 2)}\n` : `${checkLines(result.nodes, result.cells).join("\n")}\n`);
  return result.ok ? 0 : 1;
}
