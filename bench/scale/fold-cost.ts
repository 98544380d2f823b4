/**
 * The cost of one agent's work per event at a given cluster size, in one process, no NATS:
 * the shared fold (applyStored) and the simulated runtime's view of its node (localContainers),
 * which is what every agent does for every event. Evidence for the scale section.
 *   node --import tsx bench/scale/fold-cost.ts [nodes=500] [containers=10000]
 */
import { envelope, macFor, applyStored, emptyState, type Envelope, type ClusterState } from "@ovl/domain";
import { localContainers } from "@ovl/node-agent";

const nodes = Number(process.argv[2] ?? 500), containers = Number(process.argv[3] ?? 10_000);
// /26 blocks hold 61 addresses; 2,000 more starts are timed on top of `containers`.
if (!(nodes >= 1 && nodes <= 1000 && containers >= 0 && (containers + 2000) / nodes <= 60)) {
  process.stderr.write("usage: fold-cost.ts [nodes 1..1000] [containers], at most 60 containers per node counting 2,000 timed ones\n");
  process.exit(2);
}
const t = "2026-01-01T00:00:00.000Z";
const ipOf = (n: number, k: number) => `10.240.${Math.floor(n / 4)}.${(n % 4) * 64 + 2 + k}`;
const history: Envelope[] = [envelope({ type: "ClusterCreated", data: { cidr: "10.240.0.0/16", blockPrefix: 26, vni: 1, vxlanPort: 4789, mtu: 1450 } }, t)];
for (let n = 0; n < nodes; n++) {
  history.push(envelope({ type: "NodeJoined", data: { node: `s${n}`, underlayIp: `100.64.${n >> 8}.${n & 255}`, agentVersion: "b" } }, t));
  history.push(envelope({ type: "SubnetAssigned", data: { node: `s${n}`, subnet: `10.240.${Math.floor(n / 4)}.${(n % 4) * 64}/26`, gateway: `10.240.${Math.floor(n / 4)}.${(n % 4) * 64 + 1}` } }, t));
}
const start = (k: number): Envelope => {
  const n = k % nodes, ip = ipOf(n, Math.floor(k / nodes));
  return envelope({ type: "ContainerStarted", data: { name: `c${k}`, node: `s${n}`, ip, mac: macFor(ip), image: "ovl/busybox:latest", cmd: [], ports: [] } }, t, `r${k}`);
};
let state: ClusterState = emptyState;
for (const e of history) state = applyStored(state, e);
for (let k = 0; k < containers; k++) state = applyStored(state, start(k));
const extra = Array.from({ length: 2000 }, (_, i) => start(containers + i));
let t0 = performance.now();
for (const e of extra) state = applyStored(state, e);
const foldUs = ((performance.now() - t0) * 1000) / extra.length;
t0 = performance.now();
for (let i = 0; i < 2000; i++) localContainers(state, `s${i % nodes}`);
const viewUs = ((performance.now() - t0) * 1000) / 2000;
console.log(`${nodes} nodes, ${containers} containers: fold ${foldUs.toFixed(1)} us/event, node view ${viewUs.toFixed(1)} us; x${nodes} agents = ${((foldUs + viewUs) * nodes / 1000).toFixed(1)} ms of CPU per event`);
