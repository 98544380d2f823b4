/**
 * The node's side of `ovl check` that its peers probe: a UDP and a TCP echo on the node's
 * gateway address, CHECK_PORT, open only while at least one check runs (checks may
 * overlap; the last to close closes the sockets). It echoes only payloads that start with
 * `ovl-check <id> ` for an open check's id, so it serves nothing else to the containers
 * that can reach the gateway meanwhile. Why not a permanent echo: nothing to filter in nft,
 * and nothing listening on the overlay between checks.
 */
import dgram from "node:dgram";
import net from "node:net";
import { CHECK_PORT, CHECK_PROBE_MS, type ProbeResult } from "@ovl/domain";

export const PREFIX = "ovl-check ";
/** The longest TCP line a probe sends; anything longer is not a probe. */
const MAX_LINE = 256;

/** The check id a payload carries, or null when it is not a probe. */
export function probeId(payload: Buffer): string | null {
  if (payload.subarray(0, PREFIX.length).toString("latin1") !== PREFIX) return null;
  const end = payload.indexOf(0x20, PREFIX.length);
  return end < 0 ? null : payload.subarray(PREFIX.length, end).toString("latin1");
}

export class CheckResponder {
  private readonly ids = new Set<string>();
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private opened: Promise<ProbeResult> | null = null;

  constructor(private readonly port = CHECK_PORT) {}

  private echoes(payload: Buffer): boolean {
    const id = probeId(payload);
    return id !== null && this.ids.has(id);
  }

  private async bind(ip: string): Promise<ProbeResult> {
    const udp = dgram.createSocket("udp4");
    udp.on("message", (msg, from) => {
      if (this.echoes(msg)) udp.send(msg, from.port, from.address);
    });
    const tcp = net.createServer((sock) => {
      sock.setTimeout(CHECK_PROBE_MS, () => sock.destroy());
      let got = Buffer.alloc(0);
      sock.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const nl = got.indexOf(0x0a);
        if (nl >= 0 && this.echoes(got)) sock.end(got.subarray(0, nl + 1));
        else if (nl >= 0 || got.byteLength > MAX_LINE) sock.destroy();
      });
      sock.on("error", () => sock.destroy());
    });
    // A late socket error (a send the kernel refuses) must not take the agent down.
    udp.on("error", () => undefined);
    tcp.on("error", () => undefined);
    this.udp = udp;
    this.tcp = tcp;
    try {
      await new Promise<void>((res, rej) => udp.once("error", rej).bind({ address: ip, port: this.port, exclusive: true }, () => res()));
      await new Promise<void>((res, rej) => tcp.once("error", rej).listen({ host: ip, port: this.port, exclusive: true }, () => res()));
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `cannot listen on ${ip}:${this.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }

  /** Opens the echo for this check (binds on the first open check). */
  open(id: string, ip: string): Promise<ProbeResult> {
    this.ids.add(id);
    this.opened ??= this.bind(ip);
    return this.opened;
  }

  /** Closes it for this check; the last check closes the sockets. Idempotent. */
  close(id: string): void {
    this.ids.delete(id);
    if (this.ids.size > 0 || !this.opened) return;
    this.opened = null;
    try {
      this.udp?.close();
      this.tcp?.close();
    } catch {
      // never bound or already closed
    }
    this.udp = null;
    this.tcp = null;
  }
}
