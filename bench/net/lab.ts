/**
 * The lab for the benchmark: brought up with the repo's own `ovl` (the bundle), the lab's
 * overlay settings, and always brought down in finally. The lab is a machine-wide
 * singleton: when another user holds it (LAB_EXISTS), wait and retry, bounded; never tear
 * down a lab this process did not bring up.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RoutingMode } from "@ovl/domain";
import { LAB_CLUSTER, LAN_MTU, labClusterFor, labDown, labUpWhenFree, type LabCluster, type LabInfo, type NodePlan } from "@ovl/lab";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The installed command: bin/ovl.mjs runs the bundle (dist/), as `npm ci` leaves it. */
export const OVL = [process.execPath, join(ROOT, "packages", "cli", "bin", "ovl.mjs")];

export const coordinatorArgs = (c: LabCluster = LAB_CLUSTER, mode?: RoutingMode): string[] => [
  "coordinator", "--cidr", c.cidr, "--block-prefix", String(c.blockPrefix), "--vni", String(c.vni),
  "--vxlan-port", String(c.vxlanPort), "--mtu", String(c.mtu), ...(mode ? ["--mode", mode] : []),
];

export interface LabShape {
  /** The cluster's routing mode. @default the coordinator's (auto for a new cluster) */
  readonly mode?: RoutingMode;
  /** The last this many nodes behind the lab's router, on its second subnet: in `auto`, the others reach them through VXLAN. @default 0 */
  readonly routedNodes?: number;
}

/**
 * Runs `body` on a fresh lab of `nodes` nodes. `control` false: namespaces, dockerds and the
 * image only (the caller starts what it needs). The lab is down again when this returns.
 * `lanMtu`: the lab LAN's MTU; the overlay's is 50 bytes less.
 */
export async function withLab<T>(nodes: number, control: boolean, log: (l: string) => void, body: (lab: LabInfo) => Promise<T>, lanMtu: number = LAN_MTU, shape: LabShape = {}): Promise<T> {
  const dir = "/var/lib/ovl-lab";
  const stateDir = (n: NodePlan) => join(dir, n.name, "agent");
  const lab = await labUpWhenFree({
    nodes,
    dir,
    log,
    lanMtu,
    startControlPlane: control,
    ovlCommand: OVL,
    coordinatorArgs: coordinatorArgs(labClusterFor(lanMtu), shape.mode),
    routedNodes: shape.routedNodes ?? 0,
    agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", stateDir(n)],
  }, 10 * 60_000, 15_000);
  try {
    return await body(lab);
  } finally {
    const down = await labDown({ dir, log });
    if (down.warnings.length) log(`bench: lab down warnings: ${down.warnings.join("; ")}`);
  }
}
