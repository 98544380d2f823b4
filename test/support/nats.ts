/**
 * The one way tests and benchmarks start a nats-server: broker-setup's own `startBroker`
 * (ovl's rendered config), on a free port with a store directory of its own, stopped by
 * PID, its files removed. With `home`, the server lives in that directory, whose
 * identities and TLS files (`ovl broker init` / `tls`) turn authentication on.
 * Clusters and fault brokers: brokers.ts.
 *   const srv = await startNats(); ... await srv.stop();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { connect, type NatsConnection } from "nats";
import { startBroker, type Broker } from "@ovl/broker-setup";

export interface TestNats {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The server now running (a new one after `restart`). */
  readonly broker: Broker;
  readonly pid: number;
  connect(opts?: Record<string, unknown>): Promise<NatsConnection>;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
  /** Kills the server (-9) keeping its store, and starts it again on the same port. */
  restart(): Promise<void>;
}

export interface TestNatsOptions {
  /**
   * The broker's home and store: identities and TLS files are read from here, and
   * authentication is then on; the caller removes it. @default a new directory, removed by stop()
   */
  readonly home?: string;
  /** @default "test_<port>" */
  readonly serverName?: string;
  /** The server's largest message, in bytes (a stock nats-server takes 1 MB). @default 8 MB, as ovl's broker */
  readonly maxPayload?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Ready means JetStream answers too: after a restart it recovers its streams first. */
async function waitJetStream(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      try {
        await (await nc.jetstreamManager({ timeout: 1000 })).getAccountInfo();
      } finally {
        await nc.close();
      }
      return;
    } catch (err) {
      if (Date.now() > until) throw new Error(`nats-server at ${url} did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startNats(opts: TestNatsOptions = {}): Promise<TestNats> {
  const dir = opts.home ?? mkdtempSync(join(tmpdir(), "ovl-test-nats-"));
  const removeDir = () => opts.home === undefined && rmSync(dir, { recursive: true, force: true });
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const start = async (): Promise<Broker> => {
    const b = await startBroker({ port, storeDir: dir, serverName: opts.serverName ?? `test_${port}`, ...(opts.maxPayload !== undefined ? { maxPayload: opts.maxPayload } : {}) });
    // Without identities anyone may ask JetStream; with them, the caller connects as one.
    if (!opts.home) await waitJetStream(url, 10_000).catch(async (err) => (await b.stop(), Promise.reject(err)));
    return b;
  };
  let broker = await start().catch((err) => (removeDir(), Promise.reject(err)));
  return {
    url,
    port,
    dir,
    get broker() {
      return broker;
    },
    get pid() {
      return broker.pid;
    },
    connect: (o = {}) => connect({ servers: url, ...o }),
    async stop() {
      await broker.stop();
      removeDir();
    },
    async restart() {
      await broker.kill();
      broker = await start();
    },
  };
}
