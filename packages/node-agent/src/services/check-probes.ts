/**
 * One node's probes of one peer for `ovl check`, each from this node's gateway address to
 * the peer's and bounded by CHECK_PROBE_MS, failures as values (never thrown):
 * - icmp: one echo request by `ping` (iputils) or else `busybox ping`, as Node has no ICMP.
 * - udp, mtu: a datagram to the peer's responder, resent every RESEND_MS until it comes back
 *   byte for byte; mtu fills one packet of the cluster MTU. Linux sends UDP with DF set
 *   (PMTU discovery, net.ipv4.ip_no_pmtu_disc 0), so a path that cannot carry the MTU drops
 *   it instead of fragmenting.
 * - tcp: a connection to the responder and one echoed line; a refusal is retried (the peer
 *   may open its responder a moment later).
 */
import dgram from "node:dgram";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { run } from "@ovl/host";
import { CHECK_PORT, CHECK_PROBE_MS, UDP_OVERHEAD, type PeerResult, type ProbeResult } from "@ovl/domain";
import { PREFIX } from "./check-responder.js";

const RESEND_MS = 150;
const since = (t0: bigint): number => Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100;
const nonce = (): string => randomBytes(6).toString("hex");

export interface ProbeTarget {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly port?: number;
}

/** The payload of one probe: the prefix, check id and a nonce, padded with dots to `size` bytes. */
export function probePayload(id: string, tag: string, size: number): Buffer {
  const head = Buffer.from(`${PREFIX}${id} ${tag} `, "latin1");
  return size <= head.byteLength ? head : Buffer.concat([head, Buffer.alloc(size - head.byteLength, ".")]);
}

export function udpEcho(t: ProbeTarget, size: number, ms = CHECK_PROBE_MS): Promise<ProbeResult> {
  const sock = dgram.createSocket("udp4");
  const sent = new Map<string, { payload: Buffer; at: bigint }>();
  return new Promise<ProbeResult>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (r: ProbeResult) => {
      clearInterval(timer);
      clearTimeout(deadline);
      sock.close();
      resolve(r);
    };
    const deadline = setTimeout(() => done({ ok: false, reason: `no ${size}-byte echo in ${ms} ms` }), ms);
    const send = () => {
      const tag = nonce();
      const payload = probePayload(t.id, tag, size);
      sent.set(tag, { payload, at: process.hrtime.bigint() });
      sock.send(payload, t.port ?? CHECK_PORT, t.to);
    };
    sock.on("message", (msg) => {
      const tag = msg.subarray(0, 64).toString("latin1").split(" ")[2] ?? "";
      const s = sent.get(tag);
      if (s && s.payload.equals(msg)) done({ ok: true, ms: since(s.at) });
    });
    sock.on("error", (err: NodeJS.ErrnoException) => (err.code === "EMSGSIZE" ? done({ ok: false, reason: `${size} bytes refused locally: ${err.code}` }) : undefined));
    sock.bind({ address: t.from, port: 0 }, () => {
      send();
      timer = setInterval(send, RESEND_MS);
    });
  });
}

function tcpOnce(t: ProbeTarget, ms: number): Promise<ProbeResult & { retry?: boolean }> {
  const line = Buffer.concat([probePayload(t.id, nonce(), 0), Buffer.from("\n")]);
  const at = process.hrtime.bigint();
  return new Promise((resolve) => {
    const sock = net.connect({ host: t.to, port: t.port ?? CHECK_PORT, localAddress: t.from });
    let got = Buffer.alloc(0);
    const done = (r: ProbeResult & { retry?: boolean }) => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(ms, () => done({ ok: false, reason: `no answer in ${CHECK_PROBE_MS} ms` }));
    sock.on("connect", () => sock.write(line));
    sock.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.byteLength >= line.byteLength) done(got.subarray(0, line.byteLength).equals(line) ? { ok: true, ms: since(at) } : { ok: false, reason: "wrong echo" });
    });
    sock.on("end", () => done({ ok: false, reason: "closed without an echo" }));
    sock.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code === "ECONNREFUSED" ? "refused" : (err.code ?? err.message), retry: err.code === "ECONNREFUSED" }));
  });
}

export async function tcpEcho(t: ProbeTarget, ms = CHECK_PROBE_MS): Promise<ProbeResult> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await tcpOnce(t, Math.max(1, end - Date.now()));
    if (r.ok || !r.retry || Date.now() + RESEND_MS >= end) return { ok: r.ok, ...(r.ms !== undefined ? { ms: r.ms } : {}), ...(r.reason ? { reason: r.reason } : {}) };
    await new Promise((res) => setTimeout(res, RESEND_MS));
  }
}

let found: Promise<readonly string[] | null> | null = null;
/** The ping found on this node: iputils' `ping`, else `busybox ping`, else none (null). Looked up once. */
export const pingTool = (): Promise<readonly string[] | null> => (found ??= findPing());
export const NO_PING = "no ping on this node (install iputils-ping or busybox)";
async function findPing(): Promise<readonly string[] | null> {
  for (const tool of [["ping"], ["busybox", "ping"]]) {
    const ok = await run([...tool, "-c", "1", "-W", "1", "127.0.0.1"], { timeoutMs: 3000 }).then(() => true, (err: { exitCode?: unknown }) => err.exitCode !== "ENOENT");
    if (ok) return tool;
  }
  return null;
}

/** The round trip `ping` printed ("time=0.123 ms"), if any. */
export function pingTime(stdout: string): number | undefined {
  const m = /time[=<]([\d.]+) ?ms/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

export async function icmpEcho(t: ProbeTarget, ms = CHECK_PROBE_MS): Promise<ProbeResult> {
  const tool = await pingTool();
  if (!tool) return { ok: false, reason: NO_PING };
  const secs = String(Math.max(1, Math.round(ms / 1000)));
  try {
    const { stdout } = await run([...tool, "-c", "1", "-W", secs, "-I", t.from, t.to], { timeoutMs: ms + 1000 });
    const time = pingTime(stdout);
    return { ok: true, ...(time !== undefined ? { ms: time } : {}) };
  } catch {
    return { ok: false, reason: `no reply in ${ms} ms` };
  }
}

/** All four probes of one peer, in parallel. */
export async function probePeer(t: ProbeTarget & { readonly node: string; readonly mtu: number }): Promise<PeerResult> {
  const [icmp, udp, tcp, mtu] = await Promise.all([icmpEcho(t), udpEcho(t, 64), tcpEcho(t), udpEcho(t, t.mtu - UDP_OVERHEAD)]);
  return { to: t.node, ip: t.to, icmp, udp, tcp, mtu };
}
