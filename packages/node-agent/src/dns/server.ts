/**
 * A DNS server on one address, over UDP and TCP: each query is decoded with dns-packet,
 * answered from the fold (answer.ts) by who asks, or forwarded to the upstreams (forward.ts). What
 * cannot be decoded is dropped (UDP) or ends the connection (TCP); an upstream that does
 * not answer gives SERVFAIL, so a container's resolver moves on at once.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import dnsPacket from "dns-packet";
import { answer, reply, RCODE } from "./answer.js";
import { forward, framed } from "./forward.js";
import type { NameIndex } from "./name-index.js";
import type { Upstream } from "./resolv-conf.js";

export interface DnsServerOptions {
  readonly host: string;
  /** @default 53 */
  readonly port?: number;
  /** The network whose gateway `host` is: an asker no container holds is taken to be on it. */
  readonly network: string;
  /** The fold's names and askers now, read at each query. */
  readonly index: () => NameIndex;
  readonly upstreams: () => readonly Upstream[];
  readonly log?: (line: string) => void;
  /** Per upstream. @default FORWARD_TIMEOUT_MS */
  readonly forwardTimeoutMs?: number;
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** TCP connections held at once, and how long an idle one stays open. */
const MAX_TCP_CONNECTIONS = 256;
const TCP_IDLE_MS = 10_000;

/** The response bytes for one query, or null to stay silent (undecodable input). */
async function respond(msg: Buffer, from: string, proto: "udp" | "tcp", opts: DnsServerOptions): Promise<Buffer | null> {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return null;
  }
  const verdict = answer(query, opts.index(), { ip: from, via: opts.network });
  if (verdict.kind === "answer") return dnsPacket.encode(verdict.packet);
  const forwarded = await forward(msg, opts.upstreams(), proto, opts.forwardTimeoutMs);
  return forwarded ?? dnsPacket.encode(reply(query, RCODE.ServFail));
}

function serveUdp(sock: Socket, opts: DnsServerOptions): void {
  sock.on("message", (msg, from) => {
    void respond(msg, from.address, "udp", opts).then((out) => out && sock.send(out, from.port, from.address));
  });
}

function serveTcpConnection(conn: TcpSocket, opts: DnsServerOptions): void {
  const from = conn.remoteAddress?.replace(/^::ffff:/, "") ?? "";
  let buf = Buffer.alloc(0);
  let busy = Promise.resolve();
  conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
  conn.on("error", () => conn.destroy());
  conn.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + msg.length);
      // In order on one connection: answers go back in the order asked.
      busy = busy.then(async () => {
        const out = await respond(Buffer.from(msg), from, "tcp", opts);
        if (out === null) conn.destroy();
        else if (!conn.destroyed) conn.write(framed(out));
      });
    }
  });
}

/** Listens on host:port over UDP and TCP; rejects when either cannot bind (EADDRNOTAVAIL, EADDRINUSE, EACCES). */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const udp = createSocket("udp4");
  const tcp: Server = createServer({ pauseOnConnect: false }, (conn) => serveTcpConnection(conn, opts));
  tcp.maxConnections = MAX_TCP_CONNECTIONS;
  const close = async (): Promise<void> => {
    await Promise.all([
      new Promise<void>((r) => { try { udp.close(() => r()); } catch { r(); } }),
      new Promise<void>((r) => tcp.close(() => r())),
    ]);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind({ address: opts.host, port: opts.port ?? 53, exclusive: true }, () => resolve());
    });
    const port = udp.address().port;
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen({ host: opts.host, port, exclusive: true }, () => resolve());
    });
    udp.on("error", (err) => opts.log?.(`dns: udp ${opts.host}:${port}: ${err.message}`));
    tcp.on("error", (err) => opts.log?.(`dns: tcp ${opts.host}:${port}: ${err.message}`));
    serveUdp(udp, opts);
    return { host: opts.host, port, close };
  } catch (err) {
    await close();
    throw err;
  }
}
