/**
 * A real nats-server per suite: its own port and store directory, started from the
 * project's generated config when available, stopped by PID, its files removed.
 *   const srv = await startNats(); ... await srv.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { createServer } from "node:net";
import { stopProcess } from "@ovl/host";

export interface TestNats {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly proc: ChildProcess;
  connect(opts?: Record<string, unknown>): Promise<NatsConnection>;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
  /** Kills the server (-9) keeping its store, and starts it again on the same port. */
  restart(): Promise<void>;
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
async function waitReady(url: string, deadlineMs: number): Promise<void> {
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

function launch(port: number, dir: string): ChildProcess {
  const conf = join(dir, "nats.conf");
  writeFileSync(
    conf,
    `listen: 127.0.0.1:${port}\nserver_name: test_${port}\nmax_payload: 8MB\njetstream { store_dir: "${join(dir, "js")}", max_memory_store: 256MB, max_file_store: 2GB }\n`,
  );
  const proc = spawn("nats-server", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  proc.stderr?.resume();
  return proc;
}

export async function startNats(): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), "ovl-test-nats-"));
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let proc = launch(port, dir);
  await waitReady(url, 10_000);
  const server: TestNats = {
    url,
    port,
    dir,
    get proc() {
      return proc;
    },
    connect: (opts = {}) => connect({ servers: url, ...opts }),
    async stop() {
      await stopProcess(proc, { graceMs: 3000 });
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopProcess(proc, { signal: "SIGKILL" });
      proc = launch(port, dir);
      await waitReady(url, 10_000);
    },
  };
  return server;
}
