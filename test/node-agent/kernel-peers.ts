/**
 * A node n1 (198.18.0.11/24, auto mode, one network "front") among `peers` other nodes that
 * exist in the cluster state only: half share its LAN subnet (direct routes), half do not
 * (VXLAN), each with two containers (one on "front"). n1 has three containers, c on
 * "front". And a Runner that counts the processes it starts, by command.
 */
import type { ClusterState } from "@ovl/domain";
import type { Runner } from "@ovl/node-agent";
import { given } from "./kernel-given.js";

type Cmd = Parameters<typeof given>[0][number];

export function clusterWithPeers(peers: number, extra: readonly Cmd[] = []): ClusterState {
  const joins: Cmd[] = [{ type: "JoinNode", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "t", lanPrefix: 24 } }];
  const starts: Cmd[] = ["a", "b", "c"].map((name) => ({ type: "StartContainer", data: { name, node: "n1", image: "busybox", cmd: [], ports: [], ...(name === "c" ? { networks: ["front"] } : {}) } }));
  for (let i = 0; i < peers; i++) {
    const node = `p${i}`;
    const underlayIp = i % 2 ? `198.18.1.${20 + i}` : `198.18.0.${20 + i}`;
    joins.push({ type: "JoinNode", data: { node, underlayIp, agentVersion: "t", lanPrefix: 24 } });
    for (const k of [0, 1]) starts.push({ type: "StartContainer", data: { name: `${node}c${k}`, node, image: "busybox", cmd: [], ports: [], ...(k ? { networks: ["front"] } : {}) } });
  }
  return given([
    { type: "CreateCluster", data: { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450, mode: "auto" } },
    ...joins,
    { type: "CreateNetwork", data: { network: "front" } },
    ...starts,
    ...extra,
  ]);
}

export interface CountingRunner {
  readonly run: Runner;
  /** Processes started since the last reset, by command. */
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
  /** Time spent inside the calls' synchronous part (the fork and exec): the event loop held. */
  spawnMs(): number;
}

export function counting(run: Runner): CountingRunner {
  const counts = new Map<string, number>();
  let spawnMs = 0;
  return {
    run: (cmd, argv) => {
      counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
      const t0 = performance.now();
      const p = run(cmd, argv);
      spawnMs += performance.now() - t0;
      return p;
    },
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => ((spawnMs = 0), counts.clear()),
    spawnMs: () => spawnMs,
  };
}
