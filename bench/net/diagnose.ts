/**
 * Why ovl's figures are what they are: evidence gathered on the same lab, right after the
 * wire rows, written into the report's findings and docs/bench/profile-*.txt:
 * - the devices on ovl's path (bridge netfilter calls, VXLAN port, MTUs, GSO/GRO limits)
 *   and the lab LAN's eth0 (a veth: its offload settings shape every overlay);
 * - a system-wide CPU profile (`perf record -a`) during one iperf3 run on each path: the
 *   top kernel symbols show where the cycles go (encapsulation, netfilter, copies).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, tryRun, type LabInfo } from "@ovl/lab";
import { iperf } from "./probes.js";
import { ROOT } from "./lab.js";
import type { Paths } from "./wire.js";

let OUT = join(ROOT, "docs", "bench");

async function linkFacts(ns: string, dev: string): Promise<string> {
  const r = await tryRun(["ip", "-n", ns, "-d", "link", "show", "dev", dev]);
  if (!r.ok) return `${dev}: absent`;
  const t = r.stdout.replace(/\s+/g, " ");
  const pick = (re: RegExp) => re.exec(t)?.[0] ?? "";
  return [`${dev}:`, pick(/mtu \d+/), pick(/nf_call_iptables \d/), pick(/dstport \d+/), pick(/gso_max_size \d+/), pick(/gro_max_size \d+/), pick(/nolearning|learning/)].filter(Boolean).join(" ");
}

async function profile(name: string, paths: Paths, log: (l: string) => void): Promise<string[]> {
  const [a, b] = paths[name]!;
  const file = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const data = join("/tmp", `ovl-bench-perf-${process.pid}-${file}.data`);
  try {
    const perf = run(["perf", "record", "-a", "-g", "-o", data, "--", "sleep", "3"], { action: "perf record", timeoutMs: 30_000 });
    const t = await iperf(a, b, 4, 1);
    await perf;
    const { stdout } = await run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "--stdio", "-g", "none", "--percent-limit", "1.5"], { action: "perf report", timeoutMs: 120_000 });
    const top = stdout.split("\n").filter((l) => /^\s+\d+\.\d+%/.test(l)).slice(0, 20).map((l) => l.trim().replace(/\s+/g, " "));
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, `profile-${file}.txt`), `# perf record -a during iperf3 -P 1 (${t.gbps.toFixed(2)} Gbit/s) on the ${name} path\n${top.join("\n")}\n`);
    log(`bench: profiled ${name}: ${t.gbps.toFixed(2)} Gbit/s; top ${top.slice(0, 3).join("; ")}`);
    return [`${name} path under perf (iperf3 -P 1, ${t.gbps.toFixed(2)} Gbit/s), top symbols: ${top.slice(0, 6).join("; ")} (docs/bench/profile-${file}.txt)`];
  } catch (err) {
    return [`profile of ${name} failed: ${(err as Error).message}`];
  } finally {
    rmSync(data, { force: true });
    rmSync(`${data}.old`, { force: true });
  }
}

const BRNF = "net.bridge.bridge-nf-call-iptables";
const setBrnf = (lab: LabInfo, v: string) => Promise.all(lab.nodes.map((n) => run(["ip", "netns", "exec", n.ns, "sysctl", "-q", "-w", `${BRNF}=${v}`], { action: `set ${BRNF} in ${n.ns}` })));

/**
 * The kernel ORs the per-bridge nf_call_iptables with the namespace-wide sysctl, which dockerd
 * sets to 1: a bridged overlay packet walks iptables. ovl's fast path (node-agent
 * kernel/fastpath.ts) keeps its cross-node packets off the bridge; this A/B shows whether it
 * does. The sysctl in every node's namespace at 0 and at 1 (restored), ovl's paths and Swarm, 1 stream.
 */
async function netfilterAb(lab: LabInfo, paths: Paths, seconds: number, log: (l: string) => void): Promise<string> {
  const before = (await run(["ip", "netns", "exec", lab.nodes[1]!.ns, "sysctl", "-n", BRNF])).stdout.trim();
  const res: Record<string, number[]> = {};
  try {
    for (let r = 0; r < 2; r++) {
      for (const v of ["0", "1"]) {
        await setBrnf(lab, v);
        for (const name of Object.keys(paths).filter((n) => n !== "LAN")) {
          const [a, b] = paths[name]!;
          const t = await iperf(a, b, seconds, 1);
          (res[`${name} ${BRNF}=${v}`] ??= []).push(t.gbps);
          log(`bench: A/B ${name} ${BRNF}=${v}: ${t.gbps.toFixed(2)} Gbit/s`);
        }
      }
    }
  } finally {
    await setBrnf(lab, before);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  return `A/B of ${BRNF} in the nodes' namespaces (dockerd sets it to 1, and the kernel ORs it with a bridge's own nf_call_iptables; ovl's cross-node packets take the tc fast path past its bridge, so ovl should not move with it), iperf3 -P 1, medians of 2 in turn: ` +
    Object.entries(res).map(([k, v]) => `${k}: ${med(v).toFixed(2)} Gbit/s`).join("; ") + ".";
}

export async function diagnose(lab: LabInfo, paths: Paths, findings: string[], log: (l: string) => void, outDir?: string): Promise<void> {
  if (outDir) OUT = outDir;
  const ns = lab.nodes[1]!.ns;
  const facts = await Promise.all(["eth0", "ovl-br", "ovl-vx"].map((d) => linkFacts(ns, d)));
  const brnf = await tryRun(["ip", "netns", "exec", ns, "sysctl", "-n", "net.bridge.bridge-nf-call-iptables"]);
  findings.push(`Devices on node n2: ${facts.join("; ")}; net.bridge.bridge-nf-call-iptables=${brnf.ok ? brnf.stdout.trim() : "n/a (br_netfilter not loaded)"}.`);
  const veth = readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" ");
  findings.push(`Kernel: ${veth}. The lab's LAN "NIC" is a veth pair: no hardware offloads; GRO on a veth works only with NAPI enabled (off by default), so VXLAN traffic is decapsulated packet by packet on receive, for ovl and Swarm alike.`);
  for (const name of Object.keys(paths)) findings.push(...(await profile(name, paths, log)));
  findings.push(await netfilterAb(lab, paths, 3, log).catch((e: Error) => `netfilter A/B failed: ${e.message}`));
}
