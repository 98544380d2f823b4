/**
 * The cost of one agent's work per event at a given cluster size, in one process, no NATS:
 *   - evolve: the pure fold (applyStored), a new state per event;
 *   - draft: the agent's fold (StateDraft, in place), the state sealed once per 20 events
 *     (a burst, or a replay);
 *   - draft, sealed every event: the worst case, an agent that hands its view to the
 *     runtime after every event (the next event copies the node map again);
 *   - node view: the simulated runtime's view of its node (localContainers).
 *   node --import tsx bench/scale/fold-cost.ts [nodes=500] [containers=10000]
 */
import { envelope, eventOf, macFor, applyStored, emptyState, StateDraft, type Envelope, type ClusterState } from "@ovl/domain";
import { localContainers } from "@ovl/node-agent";

const nodes = Number(process.argv[2] ?? 500), containers = Number(process.argv[3] ?? 10_000);
// /26 blocks (61 addresses) past 100 nodes, /25 (125) up to 100, as the scale section; 2,000 more starts are timed on top.
const prefix = nodes <= 100 ? 25 : 26, perBlock = 2 ** (32 - prefix), perNode = perBlock - 4;
if (!(nodes >= 1 && nodes <= 1000 && containers >= 0 && (containers + 2000) / nodes <= perNode && nodes * perBlock <= 65536)) {
  process.stderr.write(`usage: fold-cost.ts [nodes 1..1000] [containers], at most ${perNode} containers per node counting 2,000 timed ones\n`);
  process.exit(2);
}
const t = "2026-01-01T00:00:00.000Z";
const base = (n: number) => n * perBlock; // offset of node n's block in 10.240.0.0/16
const ipAt = (off: number) => `10.240.${Math.floor(off / 256)}.${off % 256}`;
const history: Envelope[] = [envelope({ type: "ClusterCreated", data: { cidr: "10.240.0.0/16", blockPrefix: prefix, vni: 1, vxlanPort: 4789, mtu: 1450 } }, t)];
for (let n = 0; n < nodes; n++) {
  history.push(envelope({ type: "NodeJoined", data: { node: `s${n}`, underlayIp: `100.64.${n >> 8}.${n & 255}`, agentVersion: "b" } }, t));
  history.push(envelope({ type: "SubnetAssigned", data: { node: `s${n}`, subnet: `${ipAt(base(n))}/${prefix}`, gateway: ipAt(base(n) + 1) } }, t));
}
const start = (k: number): Envelope => {
  const n = k % nodes, ip = ipAt(base(n) + 2 + Math.floor(k / nodes));
  return envelope({ type: "ContainerStarted", data: { name: `c${k}`, node: `s${n}`, ip, mac: macFor(ip), image: "ovl/busybox:latest", cmd: [], ports: [] } }, t, `r${k}`);
};
let state: ClusterState = emptyState;
for (const e of history) state = applyStored(state, e);
for (let k = 0; k < containers; k++) state = applyStored(state, start(k));
const extra = Array.from({ length: 2000 }, (_, i) => start(containers + i));
const full = extra.map((e) => ({ event: eventOf(e), env: e }));

/** µs per event over the 2,000 timed starts, each run from the same loaded state. */
function perEvent(run: () => void): number {
  const t0 = performance.now();
  run();
  return ((performance.now() - t0) * 1000) / extra.length;
}
const evolveUs = perEvent(() => {
  let s = state;
  for (const e of extra) s = applyStored(s, e);
});
const draftUs = (sealEvery: number) =>
  perEvent(() => {
    const d = new StateDraft(state);
    full.forEach(({ event, env }, i) => {
      d.apply(event, env);
      if ((i + 1) % sealEvery === 0) void d.state;
    });
  });
const batchUs = draftUs(20), sealedUs = draftUs(1);
const t0 = performance.now();
for (let i = 0; i < 2000; i++) localContainers(state, `s${i % nodes}`);
const viewUs = ((performance.now() - t0) * 1000) / 2000;
const f = (n: number) => n.toFixed(1);
console.log(
  `${nodes} nodes, ${containers} containers (/${prefix} blocks): evolve ${f(evolveUs)} us/event; ` +
    `draft ${f(batchUs)} us/event sealed every 20, ${f(sealedUs)} sealed every event; node view ${f(viewUs)} us; ` +
    `x${nodes} agents = ${f(((batchUs + viewUs) * nodes) / 1000)} ms of CPU per event (draft, one view per event)`,
);
