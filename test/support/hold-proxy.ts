/**
 * A TCP proxy between one NATS client and a test nats-server that can hold back the messages
 * JetStream consumers deliver to the client from one stream (reply subject `$JS.ACK.<stream>.`),
 * passing everything else at once: requests, replies, PubAcks, API answers, heartbeats. The
 * client's fold of the stream then lags while it keeps serving, as a coordinator behind its
 * peers does. `release()` hands over what was held, in order.
 *
 * Client to server passes untouched; server to client is cut into protocol operations
 * (`MSG`/`HMSG` with their payload, every other operation one line) so only whole ones move.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";

export interface HoldProxy {
  /** The URL the client connects to. */
  readonly url: string;
  /** Deliveries held so far and not yet released. */
  readonly held: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

const CRLF = Buffer.from("\r\n");

/** The length of the first whole operation in `buf`, or 0 when it is not all there yet. Pure. */
export function operationLength(buf: Buffer): number {
  const eol = buf.indexOf(CRLF);
  if (eol < 0) return 0;
  const parts = buf.subarray(0, eol).toString("latin1").split(" ");
  const op = parts[0]!.toUpperCase();
  if (op !== "MSG" && op !== "HMSG") return eol + 2;
  const payload = Number(parts[parts.length - 1]);
  const total = eol + 2 + payload + 2;
  return buf.length >= total ? total : 0;
}

/** The reply subject of a MSG/HMSG operation line, or null. Pure. */
export function replySubjectOf(line: string): string | null {
  const parts = line.split(" ");
  const op = parts[0]!.toUpperCase();
  // MSG <subject> <sid> [reply] <bytes>; HMSG <subject> <sid> [reply] <hdr bytes> <bytes>
  if (op === "MSG" && parts.length === 5) return parts[3]!;
  if (op === "HMSG" && parts.length === 6) return parts[3]!;
  return null;
}

export async function holdProxy(serverPort: number, stream: string): Promise<HoldProxy> {
  const prefix = `$JS.ACK.${stream}.`;
  let holding = false;
  const held: { to: Socket; op: Buffer }[] = [];
  const sockets = new Set<Socket>();

  const pipeServerToClient = (server: Socket, client: Socket): void => {
    let buf: Buffer = Buffer.alloc(0);
    server.on("data", (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (let n = operationLength(buf); n > 0; n = operationLength(buf)) {
        const op = buf.subarray(0, n);
        buf = buf.subarray(n);
        const reply = replySubjectOf(op.subarray(0, op.indexOf(CRLF)).toString("latin1"));
        if (holding && reply?.startsWith(prefix)) held.push({ to: client, op: Buffer.from(op) });
        else client.write(op);
      }
    });
  };

  const srv: Server = createServer((client) => {
    const server = tcpConnect(serverPort, "127.0.0.1");
    for (const s of [client, server]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    pipeServerToClient(server, client);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `nats://127.0.0.1:${port}`,
    get held() {
      return held.length;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const { to, op } of held.splice(0)) if (!to.destroyed) to.write(op);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
