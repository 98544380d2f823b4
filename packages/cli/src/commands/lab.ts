/**
 * `ovl up`, `ovl down`: the local lab cluster (packages/lab). `ovl up` starts the control
 * plane through this same `ovl` command, with the lab's overlay settings (lab/plan.ts,
 * LAB_CLUSTER), and ends by opening the TUI, or (with --no-tui or no terminal) by printing
 * the nodes once they have joined.
 */
import { realpathSync } from "node:fs";
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

/** Waits (bounded) until `count` nodes are ready, then prints them. */
async function printNodesWhenReady(natsUrl: string, count: number, timeoutMs: number): Promise<void> {
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
        if (ready < count) throw new FailedError(`only ${ready} of ${count} lab nodes joined within ${timeoutMs / 1000} s; see the agents' logs under the lab directory`);
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
  await printNodesWhenReady(info.natsUrl, info.nodes.length, 60_000);
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
