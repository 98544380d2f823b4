/**
 * Forwarding a query that is not ovl's to the node's resolvers, as bytes: the reply goes back
 * to the container as the resolver sent it (its EDNS, DNSSEC records and truncation bit
 * included). Each upstream in turn, each with its own time limit; UDP from a fresh socket
 * per query, so a reply is known by its source and id alone. Over TCP, messages carry the
 * two-byte length of RFC 1035 section 4.2.2.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import type { Upstream } from "./resolv-conf.js";

/** Per upstream; a container's resolver gives up after 5 s (glibc's default). */
export const FORWARD_TIMEOUT_MS = 2000;

const idOf = (msg: Buffer): number => msg.readUInt16BE(0);

function udpOnce(query: Buffer, to: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = createSocket("udp4");
    const done = (reply: Buffer | null): void => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on("error", () => done(null));
    sock.on("message", (msg, from) => {
      if (from.address === to.host && from.port === to.port && msg.length >= 12 && idOf(msg) === idOf(query)) done(msg);
    });
    sock.send(query, to.port, to.host, (err) => err && done(null));
  });
}

/** Frames `msg` for DNS over TCP: its length in two bytes, then the message. */
export const framed = (msg: Buffer): Buffer => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);

function tcpOnce(query: Buffer, to: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const sock = connect({ host: to.host, port: to.port });
    const done = (reply: Buffer | null): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.on("error", () => done(null));
    sock.on("close", () => done(null));
    sock.on("connect", () => sock.write(framed(query)));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
  });
}

/** The first upstream's reply over `proto`, or null when none answered in time. */
export async function forward(query: Buffer, upstreams: readonly Upstream[], proto: "udp" | "tcp", timeoutMs = FORWARD_TIMEOUT_MS): Promise<Buffer | null> {
  for (const u of upstreams) {
    const reply = await (proto === "udp" ? udpOnce : tcpOnce)(query, u, timeoutMs);
    if (reply) return reply;
  }
  return null;
}
