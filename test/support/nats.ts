/**
 * The one way tests and benchmarks start a nats-server: broker-setup's own `startBroker`
 * (ovl's rendered config), on a free port with a store directory of its own, stopped by
 * PID, its files removed. With `home`, the identities and TLS files of that directory
 * (`ovl broker init` / `tls`) turn authentication on. Clusters: brokers.ts.
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
  /** Identities and TLS files are read from here; authentication is then on. @default none */
  readonly home?: string;
  /** @default "test_<port>" */
  readonly serverName?: string;
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
  const dir = mkdtempSync(join(tmpdir(), "ovl-test-nats-"));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const start = async (): Promise<Broker> => {
    const b = await startBroker({ port, storeDir: dir, home: opts.home ?? dir, serverName: opts.serverName ?? `test_${port}` });
    // Without identities anyone may ask JetStream; with them, the caller connects as one.
    if (!opts.home) await waitJetStream(url, 10_000).catch(async (err) => (await b.stop(), Promise.reject(err)));
    return b;
  };
  let broker = await start().catch((err) => (rmSync(dir, { recursive: true, force: true }), Promise.reject(err)));
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
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await broker.kill();
      broker = await start();
    },
  };
}
