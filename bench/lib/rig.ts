/**
 * The rig: every setting of the lab that can move a wire row, read off the lab itself when
 * the rows were measured (not copied from the code that set it up): the node namespaces'
 * sysctls, the MTUs and offloads of the devices on each path, Docker's options, Swarm's
 * set-up and the kernel. A reader who repeats the benchmark compares this list first.
 */
import { readFileSync } from "node:fs";
import { pidsInNs, tryRun, type LabInfo } from "@ovl/lab";

/** Sysctls of a node namespace that change a packet's path or cost. */
export const RIG_SYSCTLS = [
  "net.ipv4.ip_forward",
  "net.ipv6.conf.all.disable_ipv6",
  "net.ipv6.conf.default.disable_ipv6",
  "net.bridge.bridge-nf-call-iptables",
  "net.bridge.bridge-nf-call-ip6tables",
  "net.ipv4.conf.all.rp_filter",
  "net.netfilter.nf_conntrack_max",
  "net.core.rmem_max",
  "net.core.wmem_max",
  "net.ipv4.tcp_congestion_control",
] as const;

/** Offload features worth naming (ethtool -k); the rest are fixed for a veth. */
const OFFLOADS = /^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|rx-gro-list|rx-udp-gro-forwarding|tx-checksumming|rx-checksumming|scatter-gather|tx-udp_tnl-segmentation):/;

export const offloadsOf = (ethtoolK: string): string =>
  ethtoolK.split("\n").map((l) => l.trim()).filter((l) => OFFLOADS.test(l)).map((l) => l.replace(/\s*\[fixed\]/, " (fixed)")).join(", ");

async function sysctls(ns: string): Promise<string> {
  const out: string[] = [];
  for (const key of RIG_SYSCTLS) {
    const r = await tryRun(["ip", "netns", "exec", ns, "sysctl", "-n", key]);
    out.push(`${key}=${r.ok ? r.stdout.trim() : "absent"}`);
  }
  return out.join(" ");
}

async function links(ns: string): Promise<string> {
  const r = await tryRun(["ip", "-n", ns, "-j", "link", "show"]);
  if (!r.ok) return "unreadable";
  const list = JSON.parse(r.stdout) as { ifname: string; mtu: number; link_type?: string }[];
  return list.filter((l) => l.ifname !== "lo").map((l) => `${l.ifname} mtu ${l.mtu}`).join(", ");
}

async function offloads(ns: string, dev: string): Promise<string> {
  const r = await tryRun(["ip", "netns", "exec", ns, "ethtool", "-k", dev]);
  return r.ok ? offloadsOf(r.stdout) : "ethtool unavailable";
}

async function dockerOptions(node: LabInfo["nodes"][0]): Promise<string> {
  const r = await tryRun(["docker", "-H", node.dockerHost, "info", "--format", "{{json .}}"]);
  if (!r.ok) return "docker info failed";
  const i = JSON.parse(r.stdout) as Record<string, unknown>;
  const keep = ["ServerVersion", "Driver", "CgroupDriver", "CgroupVersion", "IPv4Forwarding", "SecurityOptions"];
  const swarm = i.Swarm as { LocalNodeState?: string; NodeAddr?: string; Cluster?: { DataPathPort?: number; DefaultAddrPool?: string[]; SubnetSize?: number } } | undefined;
  const c = swarm?.Cluster;
  const cluster = c ? ` data-path port ${c.DataPathPort ?? "?"}, address pool ${(c.DefaultAddrPool ?? []).join(",")}/${c.SubnetSize ?? "?"}` : "";
  return [...keep.map((k) => `${k}=${JSON.stringify(i[k])}`), `Swarm=${swarm?.LocalNodeState ?? "?"} ${swarm?.NodeAddr ?? ""}${cluster}`].join(" ");
}

/** The command line of the dockerd running in the namespace, as /proc shows it. */
async function dockerdCommand(ns: string): Promise<string> {
  for (const pid of await pidsInNs(ns)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (argv[0]?.endsWith("dockerd")) return argv.join(" ");
    } catch {
      // the process ended meanwhile
    }
  }
  return "not found";
}

/** A Docker network as the node's dockerd reports it: driver, options and subnets. */
async function dockerNetwork(node: LabInfo["nodes"][0], name: string): Promise<string> {
  const r = await tryRun(["docker", "-H", node.dockerHost, "network", "inspect", name, "--format", "{{json .}}"]);
  if (!r.ok) return `${name}: absent on ${node.name}`;
  const n = JSON.parse(r.stdout) as { Driver?: string; Options?: Record<string, string>; IPAM?: { Config?: { Subnet?: string }[] } };
  return `${name} on ${node.name}: driver ${n.Driver}, subnets ${(n.IPAM?.Config ?? []).map((c) => c.Subnet).join(",")}, options ${JSON.stringify(n.Options ?? {})}`;
}

/** One line per fact, each starting with where it was read. */
export async function readRig(lab: LabInfo, extra: readonly string[] = [], networks: readonly string[] = []): Promise<string[]> {
  const kernel = await tryRun(["uname", "-r"]);
  const lines = [`kernel ${kernel.stdout.trim()}; lab LAN MTU ${lab.lanMtu}, overlay MTU ${lab.cluster.mtu}`];
  for (const n of lab.nodes.slice(0, 3)) {
    lines.push(`${n.name} sysctls: ${await sysctls(n.ns)}`);
    lines.push(`${n.name} devices: ${await links(n.ns)}`);
    lines.push(`${n.name} LAN eth0 offloads: ${await offloads(n.ns, "eth0")}`);
    lines.push(`${n.name} ovl-vx offloads: ${await offloads(n.ns, "ovl-vx")}`);
    lines.push(`${n.name} dockerd: ${await dockerOptions(n)}; command: ${await dockerdCommand(n.ns)}`);
  }
  for (const net of networks) lines.push(await dockerNetwork(lab.nodes[0]!, net));
  return [...lines, ...extra];
}
