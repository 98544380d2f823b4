/** The method paragraph of each report section (docs/benchmarks.md explains them at length). */
export const METHODS: Record<string, string> = {
  network:
    "A 3-node lab (network namespaces on one LAN bridge, MTU 1500, one dockerd per node) whose ovl cluster is in `auto` routing mode (overlay MTU 1450); n3's agent joins from a second subnet " +
    "of the same bridge (198.18.1.13/24, the other nodes with an on-link route to it), so from n1 ovl reaches n2 directly (`ovl direct`: routed on the LAN, no encapsulation) and n3 through VXLAN " +
    "(`ovl VXLAN`), in the same rounds (`--mode vxlan` or `--mode direct`: a 2-node lab of that mode, one ovl path). ovl: the lab's coordinator and agents, one container on n1 and one on each peer (`ovl/busybox`). " +
    "Docker Swarm: `docker swarm init` on n1 advertising 198.18.0.11, n2 joins over the lab LAN, default address pool 198.19.128.0/17, data-path port 4790, an attachable overlay " +
    "network 198.19.200.0/24 with one container per node. LAN: the two nodes' own namespaces. iperf3, ping and the TCP request/response tool run from the host inside the " +
    "endpoints' network namespaces (`nsenter -t <pid> -n`, `ip netns exec`). " +
    `Variants are measured in paired rounds: each round measures every variant once, in an order that rotates from round to round (LAN, ovl direct, ovl VXLAN, Swarm; then ovl direct, ovl VXLAN, Swarm, LAN; ...), 8 rounds or more; ` +
    "each ratio's headline is the median of the per-round ratios with a 95% percentile-bootstrap interval over the rounds (4,000 resamples), and an interval that contains 1.00 reads \"no difference shown\". " +
    "A row is flagged (and kept) when the 1-minute load average was over half the cores at its start or steal time over 2% during it. The notes list the rig as read off the lab (rig: lines). Start rows: the timed command " +
    "is the CLI a user types (`ovl run`, `docker run`), spawned as a process, so its start-up counts; the ping comes from a container on n1 on the same overlay.",
  "network-jumbo":
    "The wire rows again on the same 2-node lab built with a jumbo-frame LAN: MTU 9000 on the LAN bridge and every node's eth0 (the LAN baseline), overlay MTU 8950 for " +
    "ovl (`ovl coordinator --mtu 8950`) and for the Swarm network (`--opt com.docker.network.driver.mtu=8950`). Everything else as above.",
  wire:
    "The wire rows alone (`npm run bench -- --only wire [--rounds N] [--mode auto|vxlan|direct]`), on the lab that is up when there is one with two nodes or more (its mode gives its ovl paths), " +
    "else a lab brought up and down as in the network section, " +
    "with 2-second iperf3 runs: the quick check of a claim in the full report. Method otherwise as for the network section.",
  rtt:
    "`npm run bench -- --only rtt [--rounds N] [--mode ...]`, on the lab that is up or one brought up as for the wire rows: ovl's VXLAN path (the only ovl path in a `direct` lab) with one candidate cost " +
    "switched off at a time in every node's namespace, just before its sample and back on just after (bench/net/rtt-ab.ts): `net.bridge.bridge-nf-call-iptables`/`ip6tables` 0 (dockerd sets 1), ovl's nft table " +
    "without its notrack rules (overlay traffic then goes through conntrack), `disable_ipv6` 1; beside the path as it is and Swarm's, in paired rounds, each sample a ping median and a request/response median. " +
    "\"as is/…, X off\" below 1.00 with an interval that excludes 1.00 means switching X off costs; above 1.00 means X costs.",
  convergence:
    "A lab of the largest N with its control plane started by the benchmark. n1..n(N-1) run agents; nN's agent is started and the clock runs from its join request on the wire " +
    "until a ping from every other node's namespace to a container on nN is answered.",
  scale:
    "A nats-server on loopback, one coordinator process, and SIMULATED agents (see the notes). The load goes through the coordinator's command path; the fan-out events are " +
    "container starts sent at the stated rate after the load has settled.",
  door:
    "`npm run bench -- --only door [--rounds N]`, on the lab that is up when there is one with two nodes or more (else a 2-node lab with its control plane brought up and down). " +
    "Three arms in paired rounds (order rotating), each a `docker run -d` on n2 spawned as the CLI a user types: `--network ovl` (the agents' network plugin) until it answers " +
    "a busybox ping sent every 10 ms from an ovl container on n1; Swarm's attachable overlay (set up as in the network section) until it answers a Swarm container on n1; " +
    "`--network none` until the command returns (the floor). The pinger aims at the address the coordinator will decide (the node's lowest free one, checked in Docker's " +
    "inspect afterwards); each container is removed and its address seen free again before the next sample.",
  names:
    "Labs of 3 and 10 nodes with their control plane (`ovl up`'s), and Docker Swarm on the same nodes (an attachable overlay). One ovl probe container and one Swarm probe " +
    "container per node; in each one's network namespace (`nsenter --net`) a client asks its node's resolver (ovl: the node's gateway, the agent's name service; Swarm: " +
    "Docker's embedded DNS at 127.0.0.11, the probe with ndots set so that an unknown name is answered at once) every 2 ms (5 ms at 10 nodes) over UDP. Paired rounds, one " +
    "trial per arm, the order rotating: start a container on the next node (ovl: the client library; Swarm: the Engine API's create and start, as `docker run -d`), time " +
    "until every probe got its address, then remove it (`ovl rm` / force remove) and time until every probe is told it is gone (ovl: NXDOMAIN; Swarm: no address); each " +
    "probe then asks for 500 ms more and counts answers that still give an address (stale). Times are the probes' own clocks at the answer (one machine, one clock).",
};
