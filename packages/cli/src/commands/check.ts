/**
 * `ovl check`: every pair of ready nodes probed through the overlay by their agents (ICMP,
 * UDP, TCP and a full cluster-MTU datagram that may not fragment); with `--containers`,
 * container pairs from inside their namespaces and published ports from other nodes.
 * Prints the matrix, or with `--json` one row per probe target; exits 0 only when every
 * probe passed.
 */
import { checkLines, type CheckAnswer, type CheckCell, type CheckReport, type PeerResult, type ProbeResult } from "@ovl/domain";
import type { CheckResult } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";

export type CheckRow =
  | (CheckCell & { readonly kind: "node"; readonly probes?: Omit<PeerResult, "to" | "ip"> })
  | { readonly kind: "container"; readonly from: string; readonly to: string; readonly ip: string; readonly ok: boolean; readonly probes: { icmp: ProbeResult; mtu: ProbeResult } }
  | { readonly kind: "port"; readonly from: string; readonly container: string; readonly node: string; readonly address: string; readonly ok: boolean; readonly ms?: number; readonly reason?: string };

function probesOf(answer: CheckAnswer | undefined, to: string): Omit<PeerResult, "to" | "ip"> | undefined {
  const peer = answer && "report" in answer ? answer.report.peers.find((p) => p.to === to) : undefined;
  return peer ? { icmp: peer.icmp, udp: peer.udp, tcp: peer.tcp, mtu: peer.mtu } : undefined;
}

/** One row per direction between nodes, then (with --containers) per container pair and published port. Pure. */
export function checkRows(r: CheckResult): CheckRow[] {
  const nodes = r.cells.map((c): CheckRow => {
    const probes = probesOf(r.answers.get(c.from), c.to);
    return { kind: "node", ...c, ...(probes ? { probes } : {}) };
  });
  const reports = [...r.answers.values()].flatMap((a): CheckReport[] => ("report" in a ? [a.report] : []));
  const containers = reports.flatMap((rep) => (rep.containers ?? []).map((p): CheckRow => ({ kind: "container", from: p.from, to: p.to, ip: p.ip, ok: p.icmp.ok && p.mtu.ok, probes: { icmp: p.icmp, mtu: p.mtu } })));
  const ports = reports.flatMap((rep) => (rep.ports ?? []).map((p): CheckRow => ({ kind: "port", from: rep.node, container: p.container, node: p.node, address: p.address, ...p.result })));
  return [...nodes, ...containers, ...ports];
}

/** The --containers summary and its failures, below the node matrix. Pure. */
export function containerLines(r: CheckResult): string[] {
  if (!r.containers) return [];
  const c = r.containers;
  const what = `containers: ${c.probed} pair${c.probed === 1 ? "" : "s"} probed from inside their namespaces, ${c.ports} published port${c.ports === 1 ? "" : "s"} from other nodes`;
  return ["", c.failed.length ? `${what}: ${c.failed.length} failed` : `${what}: all passed`, ...c.failed];
}

export async function checkCommand(g: GlobalOptions, opts: { json?: boolean; containers?: boolean }): Promise<number> {
  const result = await withClient(g, (c) => c.check({ containers: opts.containers ?? false }));
  await out(opts.json ? `${JSON.stringify(checkRows(result), null, 2)}\n` : `${[...checkLines(result.nodes, result.cells), ...containerLines(result)].join("\n")}\n`);
  return result.ok ? 0 : 1;
}
