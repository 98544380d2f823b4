/**
 * `ovl check --containers` on one node: each of its running containers pings the others
 * (all of them, or a ring sample past CONTAINER_PAIRS_ALL: domain check.ts) that share a
 * network with it, at their address on the first one shared (networks are kept apart, so
 * any other pair has nothing to answer), from inside its
 * own network namespace, entered with `nsenter -t PID -n` around the node's own ping, so
 * the image needs no tool; once small, once a full cluster-MTU packet. And every published
 * TCP port of another node's containers is connected to on that node's LAN address, as a
 * client outside the overlay would. UDP ports are not probed (no answer to expect).
 */
import net from "node:net";
import type Dockerode from "dockerode";
import { run } from "@ovl/host";
import { CHECK_PROBE_MS, UDP_OVERHEAD, attachmentsOf, containerTargets, type CheckReport, type ClusterState, type ContainerRecord, type ProbeResult } from "@ovl/domain";
import { dockerNameFor } from "../docker/labels.js";
import { NO_PING, pingTime, pingTool } from "./check-probes.js";

/** Probes at once: each is a process (nsenter + ping). */
const PARALLEL = 16;

async function pool<T>(jobs: readonly (() => Promise<T>)[], width = PARALLEL): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

async function nsPing(pid: number, ip: string, size: number): Promise<ProbeResult> {
  const tool = await pingTool();
  if (!tool) return { ok: false, reason: NO_PING };
  try {
    const { stdout } = await run(["nsenter", "-t", String(pid), "-n", ...tool, "-c", "1", "-W", String(CHECK_PROBE_MS / 1000), "-s", String(size), ip], { timeoutMs: CHECK_PROBE_MS + 1000 });
    const ms = pingTime(stdout);
    return { ok: true, ...(ms !== undefined ? { ms } : {}) };
  } catch {
    return { ok: false, reason: `no reply to ${size + UDP_OVERHEAD}-byte packets in ${CHECK_PROBE_MS} ms` };
  }
}

export function tcpConnect(host: string, port: number, ms = CHECK_PROBE_MS): Promise<ProbeResult> {
  const at = process.hrtime.bigint();
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (r: ProbeResult) => (sock.destroy(), resolve(r));
    sock.setTimeout(ms, () => done({ ok: false, reason: `no answer in ${ms} ms` }));
    sock.on("connect", () => done({ ok: true, ms: Math.round(Number(process.hrtime.bigint() - at) / 1e4) / 100 }));
    sock.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code ?? err.message }));
  });
}

const running = (state: ClusterState) =>
  Object.values(state.nodes)
    .filter((n) => n.status === "ready")
    .flatMap((n) => Object.values(n.containers).filter((c) => c.state === "running").map((c) => ({ ...c, node: n.name, lan: n.underlayIp })));

/** The address `to` has on the first network `from` is on too; null: none in common (kept apart, nothing to probe). */
const addressShared = (from: ContainerRecord, to: ContainerRecord): string | null => {
  const mine = new Set(attachmentsOf(from).map((a) => a.network));
  return attachmentsOf(to).find((a) => mine.has(a.network))?.ip ?? null;
};

export async function probeContainers(docker: Dockerode, state: ClusterState, node: string, mtu: number): Promise<Pick<CheckReport, "containers" | "ports">> {
  const all = running(state);
  const byName = new Map(all.map((c) => [c.name, c]));
  const names = all.map((c) => c.name);
  const pairs = await Promise.all(
    all.filter((c) => c.node === node).map(async (c) => {
      const pid = await docker.getContainer(dockerNameFor(c.name)).inspect().then((i) => i.State.Pid, () => 0);
      return containerTargets(names, c.name).flatMap((to) => {
        const ip = addressShared(c, byName.get(to)!);
        return ip ? [{ from: c.name, pid, to, ip }] : [];
      });
    }),
  );
  const gone: ProbeResult = { ok: false, reason: "its container is not running in Docker" };
  const containers = await pool(pairs.flat().map((p) => async () => ({
    from: p.from, to: p.to, ip: p.ip,
    ...(p.pid > 0 ? { icmp: await nsPing(p.pid, p.ip, 56), mtu: await nsPing(p.pid, p.ip, mtu - UDP_OVERHEAD) } : { icmp: gone, mtu: gone }),
  })));
  // A port bound to a node's loopback answers only there: nothing to reach from here.
  const published = all
    .filter((c) => c.node !== node)
    .flatMap((c) => c.ports.filter((p) => p.proto === "tcp" && !p.hostIp?.startsWith("127.")).map((p) => ({ container: c.name, node: c.node, host: p.hostIp && p.hostIp !== "0.0.0.0" ? p.hostIp : c.lan, port: p.host })));
  const ports = await pool(published.map((p) => async () => ({ container: p.container, node: p.node, address: `${p.host}:${p.port}`, result: await tcpConnect(p.host, p.port) })));
  return { containers, ports };
}
