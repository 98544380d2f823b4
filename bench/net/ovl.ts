/**
 * ovl on the lab, as a user drives it: the `ovl` command for anything timed, the client
 * library for set-up and look-ups. Containers are found in Docker by the agent's naming
 * (`ovl-<name>`), their namespace entered through their PID.
 */
import { OvlClient, waitForOutcome } from "@ovl/client";
import { lowestFreeAddress, type NodeRow } from "@ovl/domain";
import { labIdentityEnv, type LabInfo, type LabNodeInfo } from "@ovl/lab";
import { containerPid } from "./docker.js";
import { OVL } from "./lab.js";

/** The lab `ovl up` makes is locked: the operator's identity and the lab's CA (none on an open lab). */
export function connectClient(lab: LabInfo, name = "ovl-bench"): Promise<OvlClient> {
  const id = labIdentityEnv(lab.dir, "operator");
  return OvlClient.connect({ url: lab.natsUrl, name, ...(id.OVL_NATS_CREDS ? { credsFile: id.OVL_NATS_CREDS, tls: { caFile: id.OVL_NATS_CA! } } : {}) });
}

export async function waitNodesReady(client: OvlClient, names: readonly string[], timeoutMs: number): Promise<NodeRow[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await client.nodes().catch(() => [] as NodeRow[]);
    const ready = rows.filter((r) => r.status === "ready" && r.subnet && names.includes(r.name));
    if (ready.length === names.length) return rows;
    if (Date.now() > until) throw new Error(`ovl nodes ready: ${ready.map((r) => r.name).join(",") || "none"} of ${names.join(",")} after ${timeoutMs} ms; see the agents' logs in /var/lib/ovl-lab/logs`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The address ovl will give the next container on `node`: the domain's own lowest-free rule. */
export async function nextIp(client: OvlClient, node: string): Promise<string> {
  const rec = (await client.state()).state.nodes[node];
  const ip = rec ? lowestFreeAddress(rec) : null;
  if (!ip) throw new Error(`node ${node} has no subnet or no free address`);
  return ip;
}

export const ovlRunArgv = (lab: LabInfo, name: string, node: string): string[] => [
  ...OVL, "run", name, "--node", node, "--image", lab.image, "--nats", lab.natsUrl,
];
export const ovlRmArgv = (lab: LabInfo, name: string): string[] => [...OVL, "rm", name, "--nats", lab.natsUrl];

/** Starts a container through the client and waits for it to run; returns its address and PID. */
export async function ovlContainer(client: OvlClient, node: LabNodeInfo, name: string, image: string): Promise<{ ip: string; pid: number }> {
  const r = await client.run({ name, node: node.name, image, cmd: [], ports: [] });
  const outcome = await waitForOutcome(client.nc, r, 60_000);
  if (outcome.state !== "running") throw new Error(`ovl container ${name} on ${node.name}: ${outcome.state} (${outcome.reason})`);
  return { ip: r.ip, pid: await containerPid(node, `ovl-${name}`) };
}
