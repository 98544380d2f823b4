/**
 * `ovl up`, `ovl down`: the local lab cluster (packages/lab). `ovl up` starts the control
 * plane through this same `ovl` command, with the lab's overlay settings (lab/plan.ts,
 * LAB_CLUSTER), and ends by opening the TUI, or (with --no-tui or no terminal) by printing
 * the nodes once they have joined.
 */
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { OvlClient } from "@ovl/client";
import type { GlobalOptions } from "../context.js";
import { out } from "../context.js";
import { FailedError } from "../errors.js";

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export interface UpOptions {
  readonly nodes: number;
  readonly brokers?: number;
  /** The lab LAN's MTU; the overlay's is 50 bytes less. */
  readonly lanMtu?: number;
  /** The lab cluster's routing mode; absent: the coordinator's default (auto). */
  readonly mode?: string;
  /** The last this many nodes behind the lab's router, on a second subnet. */
  readonly routedNodes?: number;
  readonly dir?: string;
  /** From --no-tui: print the nodes and return instead of opening the TUI. */
  readonly tui?: boolean;
}

/**
 * The coordinator's flags for the lab's overlay: 198.19.0.0/18, VNI 4242, ... The MTU only
 * when one is given: without it the cluster takes the first node's LAN MTU minus 50, the
 * path a real cluster takes (a `--lan-mtu 9000` lab gets 8950).
 */
export function labCoordinatorArgs(c: { cidr: string; blockPrefix: number; vni: number; vxlanPort: number; mtu?: number; mode?: string }): string[] {
  const mtu = c.mtu === undefined ? [] : ["--mtu", String(c.mtu)];
  const mode = c.mode === undefined ? [] : ["--mode", c.mode];
  return ["coordinator", "--cidr", c.cidr, "--block-prefix", String(c.blockPrefix), "--vni", String(c.vni), "--vxlan-port", String(c.vxlanPort), ...mtu, ...mode];
}

/** A lab node that did not join: its agent's log, and the last error the agent ended with there (null: none). */
export interface NotJoined {
  readonly name: string;
  readonly log: string;
  readonly error: string | null;
}

/** The last `error: ...` line of an agent's log (what the agent ended with), or null. Pure. */
export function lastErrorLine(log: string): string | null {
  const lines = log.split("\n").filter((l) => l.startsWith("error: "));
  return lines.at(-1)?.slice("error: ".length) ?? null;
}

/** What `ovl up` says when nodes did not join: each one with why its agent ended, or where to look. Pure. */
export function notJoinedMessage(ready: number, count: number, seconds: number, missing: readonly NotJoined[]): string {
  const each = missing.map((m) => (m.error ? `${m.name}: ${m.error}` : `${m.name}: its agent said nothing of why (see ${m.log})`));
  return [`only ${ready} of ${count} lab nodes joined within ${seconds} s`, ...each].join("\n");
}

function readNotJoined(name: string, log: string): NotJoined {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    // no log: nothing to quote
  }
  return { name, log, error: lastErrorLine(text) };
}

/**
 * Waits (bounded) until the nodes are ready, then prints them; when some did not join, says
 * which, with the error each one's agent ended with (a refusal at join names its cause).
 */
async function printNodesWhenReady(natsUrl: string, nodes: readonly string[], logOf: (node: string) => string, timeoutMs: number): Promise<void> {
  const count = nodes.length;
  const { withClient } = await import("../context.js");
  const { nodesTable } = await import("./listings.js");
  const until = Date.now() + timeoutMs;
  await withClient({ nats: natsUrl }, async (client) => {
    for (;;) {
      const rows = await client.nodes().catch(() => []);
      const ready = rows.filter((r) => r.status === "ready" && r.subnet).length;
      if (ready >= count || Date.now() > until) {
        if (ready >= count) await waitConverged(client, until);
        await out(nodesTable(await client.nodes().catch(() => rows), Date.now()));
        if (ready < count) {
          const joined = new Set(rows.filter((r) => r.status === "ready" && r.subnet).map((r) => r.name));
          const missing = nodes.filter((n) => !joined.has(n)).map((n) => readNotJoined(n, logOf(n)));
          throw new FailedError(notJoinedMessage(ready, count, timeoutMs / 1000, missing));
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

/**
 * Ready is each node's own view; the last joiners are wired on the other nodes once those
 * applied their joins. Up returns when every node applied the whole history (bounded: a
 * node still behind at `until` is named, and the lab is usable anyway).
 */
async function waitConverged(client: OvlClient, until: number): Promise<void> {
  const { readStatus } = await import("@ovl/client");
  for (;;) {
    const s = await readStatus(client).catch(() => null);
    if (s?.convergence.converged) return;
    if (Date.now() > until) {
      progress(`lab: not converged yet (${s?.convergence.line ?? "no status"}); \`ovl status\` shows when it is`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * How the lab starts the coordinator and agents: this very `ovl` (the script node was given,
 * symlinks resolved), so they run the same build as the `ovl up` that started them.
 */
export function selfCommand(argv: readonly string[] = process.argv): string[] {
  const script = argv[1];
  if (!script) throw new FailedError("cannot tell how this ovl was started (no script path in argv)");
  return [process.execPath, realpathSync(script)];
}

export async function upCommand(g: GlobalOptions, opts: UpOptions): Promise<number> {
  const lab = await import("@ovl/lab");
  const dir = opts.dir ?? lab.DEFAULT_LAB_DIR;
  const info = await lab.labUp({
    nodes: opts.nodes,
    brokers: opts.brokers ?? 1,
    lanMtu: opts.lanMtu ?? lab.LAN_MTU,
    routedNodes: opts.routedNodes ?? 0,
    dir,
    log: progress,
    ovlCommand: selfCommand(),
    coordinatorArgs: labCoordinatorArgs({ ...lab.LAB_CLUSTER, mtu: undefined, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) }),
    agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(dir, n.name, "agent")],
  });
  progress(`lab: up with ${info.nodes.length} nodes; NATS at ${info.natsUrl} (export OVL_NATS_URL=${info.natsUrl})`);
  // The lab's brokers are locked: this process and the TUI go on as the lab's operator.
  Object.assign(process.env, lab.labClientEnv(info.natsUrl));
  progress(`lab: identities and TLS in ${lab.labAuthDir(dir)} (ovl commands aimed at the lab use its operator; the nats CLI: creds/viewer.nk, tls/ca.pem)`);
  await printNodesWhenReady(info.natsUrl, info.nodes.map((n) => n.name), (n) => lab.agentLogPath(dir, n), 60_000);
  if (opts.tui !== false && process.stdout.isTTY) {
    const { tuiCommand } = await import("./tui.js");
    return tuiCommand({ ...g, nats: info.natsUrl });
  }
  return 0;
}

export async function downCommand(_g: GlobalOptions, opts: { dir?: string }): Promise<number> {
  const { labDown, DEFAULT_LAB_DIR } = await import("@ovl/lab");
  const report = await labDown({ dir: opts.dir ?? DEFAULT_LAB_DIR, log: progress });
  return report.warnings.length > 0 ? 1 : 0;
}
