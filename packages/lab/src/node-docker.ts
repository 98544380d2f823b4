/**
 * A lab node's Docker started again, as a machine's boot starts it: after its dockerd and
 * containerd were stopped (a test kills them by PID to play a reboot), the same supervisor
 * (docker-node.ts) runs again, and its processes are recorded in the state file so that
 * `ovl down` stops them like those `ovl up` started.
 */
import { hostCgroupMountLines } from "./cgroups.js";
import { startDockerNode, waitDockerNode } from "./docker-node.js";
import { LabError, LabErrorCodes } from "./errors.js";
import { nodePlan, parseNodeRef } from "./plan.js";
import { isAlive } from "./procs.js";
import { loadState, saveState, type ProcRecord } from "./state.js";

/** Starts node `name`'s containerd and dockerd again; resolves once dockerd answers, with their records. */
export async function startNodeDocker(labDir: string, name: string): Promise<ProcRecord[]> {
  const state = loadState(labDir);
  if (!state) throw new LabError(LabErrorCodes.InvalidInput, `no lab in ${labDir}: run \`ovl up\` first`);
  const node = nodePlan(parseNodeRef(name), labDir);
  if (!state.namespaces.includes(node.ns)) throw new LabError(LabErrorCodes.InvalidInput, `lab node ${name} is not part of the lab in ${labDir}`);
  const alive = state.procs.filter((p) => p.node === node.name && (p.role === "supervisor" || p.role === "dockerd" || p.role === "containerd") && isAlive(p));
  if (alive.length > 0) throw new LabError(LabErrorCodes.InvalidInput, `the Docker of lab node ${name} still runs (PIDs ${alive.map((p) => p.pid).join(" ")}): stop it first`);
  const supervisor = startDockerNode(node, hostCgroupMountLines());
  state.procs.push(supervisor);
  saveState(state);
  const recs = await waitDockerNode(node, () => isAlive(supervisor));
  state.procs.push(...recs);
  saveState(state);
  return [supervisor, ...recs];
}
