/**
 * The control plane at scale (SIMULATED agents; see fanout.ts) as report rows: event
 * fan-out latency, memory, projection rebuild, for each configuration; and the
 * append-to-fold latency with one agent per process (a target of docs/benchmarks.md).
 */
import type { Row, Section } from "../lib/report-types.js";
import { makeRow } from "../lib/rows.js";
import type { Summary } from "../lib/stats.js";
import { runFanout, type FanoutOptions, type FanoutResult } from "./fanout.js";

export interface ScaleConfig {
  readonly label: string;
  readonly nodes: number;
  readonly perProcess: number;
  readonly containers: number;
  readonly events: number;
  readonly rate: number;
}

const MiB = 2 ** 20;
const one = (name: string, v: number, extra?: Record<string, number>) => ({
  name, summary: { n: 1, median: v, min: v, max: v, p99: v } as Summary, samples: [v], ...(extra ? { extra } : {}),
});

function rowsOf(c: ScaleConfig, r: FanoutResult): Row[] {
  const id = `scale-${c.nodes}x${c.perProcess}`;
  const rows: Row[] = [
    makeRow({
      id: `${id}-fanout`, unit: "ms", higherIsBetter: false, ratiosOf: "-",
      title: `${c.label}: append to fold, ${r.eventsMeasured} events at ${2 * c.rate}/s (${c.events} starts at ${c.rate}/s; median and p99 columns)`,
      variants: [
        { name: "each agent", summary: r.perAgent, samples: [] },
        { name: "last agent per event", summary: r.lastAgent, samples: [] },
      ],
      note: `agent hosts' CPU ${r.cpuPerEventAgentUs.toFixed(0)} µs per event and agent; stream held ${r.streamEvents} events; ${c.nodes} agents joined and caught up in ${(r.joinMs / 1000).toFixed(1)} s; ${c.containers} starts through the coordinator at ${r.loadPerSec.toFixed(0)}/s (64 in flight, with every agent folding and reporting)`,
      ...(c.perProcess === 1 ? { target: { text: "p99 under 20 ms (docs/benchmarks.md, Targets)", met: r.lastAgent.n > 0 ? r.lastAgent.p99 < 20 : null } } : {}),
    }),
    makeRow({
      id: `${id}-rss`, unit: "MiB", higherIsBetter: false, ratiosOf: "-", title: `${c.label}: resident memory`,
      variants: [
        one("coordinator", r.coordinatorRss / MiB),
        one(`agent process with ${c.perProcess} simulated agents (median)`, r.hostRss.median / MiB),
        ...(r.oneAgentRss !== null ? [one("one agent process (1 agent, full history)", r.oneAgentRss / MiB)] : []),
      ],
    }),
  ];
  if (r.rebuildMs !== null) {
    rows.push(makeRow({
      id: `${id}-rebuild`, unit: "ms", higherIsBetter: false, title: `${c.label}: projection rebuild (SQLite deleted, coordinator catches up and serves)`,
      variants: [one(`${r.streamEvents} events`, r.rebuildMs, { eventsPerSec: r.streamEvents / (r.rebuildMs / 1000) })],
    }));
  }
  return rows;
}

export async function scaleSection(configs: readonly ScaleConfig[], log: (l: string) => void): Promise<Section> {
  const rows: Row[] = [];
  const errors: string[] = [];
  for (const c of configs) {
    const o: FanoutOptions = {
      ...c, cidr: "10.240.0.0/16", blockPrefix: c.nodes <= 100 ? 25 : 26, rebuild: c.perProcess > 1, oneAgentRss: c.perProcess > 1, log,
    };
    try {
      rows.push(...rowsOf(c, await runFanout(o)));
    } catch (err) {
      errors.push(`${c.label}: ${(err as Error).message}`);
    }
  }
  return {
    id: "scale", title: "Control plane at scale (SIMULATED agents)", method: "", rows, errors,
    notes: [
      "SIMULATED: the agents run the real agent code (join, follow, fold, reconcile, report) with the RecordingRuntime in place of Docker and the kernel; many agents share one process and one machine (2 cores) with nats-server and the coordinator.",
      "Append time is the server's stored timestamp of each event; fold time is when the agent folded it (its onApplied hook, no polling). Each start appends two events: ContainerStarted, then the agent's ContainerRunning.",
    ],
  };
}
