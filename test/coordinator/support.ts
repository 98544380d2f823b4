/**
 * Helpers for the coordinator's integration tests: a real nats-server with the streams,
 * coordinators on their own connections and temp databases, raw requests, and reading the
 * stream back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "nats";
import type { Test } from "uvu";
import type { Reply } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { runCoordinator, type CoordinatorHandle, type CoordinatorOptions } from "@ovl/coordinator";
import { startNats, type TestNats } from "../support/nats.js";

export interface CoordinatorBed {
  readonly srv: TestNats;
  readonly nc: NatsConnection;
  readonly dir: string;
  readonly logs: string[];
  coordinator(opts?: Partial<CoordinatorOptions> & { db?: string }): Promise<CoordinatorHandle>;
  close(): Promise<void>;
}

export async function bed(): Promise<CoordinatorBed> {
  const srv = await startNats();
  const dir = mkdtempSync(join(tmpdir(), "ovl-coord-"));
  const nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  const logs: string[] = [];
  const opened: { h: CoordinatorHandle; nc: NatsConnection }[] = [];
  return {
    srv,
    nc,
    dir,
    logs,
    async coordinator(opts = {}) {
      const cnc = await srv.connect();
      try {
        const h = await runCoordinator({ nc: cnc, dbPath: join(dir, opts.db ?? "coord.db"), log: (l) => logs.push(l), ...opts });
        opened.push({ h, nc: cnc });
        const stop = h.stop;
        return { ...h, stop: async () => { await stop(); await cnc.close(); } };
      } catch (err) {
        await cnc.close();
        throw err;
      }
    },
    async close() {
      for (const o of opened) {
        await o.h.stop().catch(() => {});
        await o.nc.close().catch(() => {});
      }
      await nc.close().catch(() => {});
      await srv.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The suite's bed: made in its before hook (registered first, so the suite's own hooks find
 * it), closed in its after hook. Its fields are read inside hooks and tests.
 */
export function suiteBed(suite: Test): CoordinatorBed {
  let b: CoordinatorBed | undefined;
  suite.before(async () => {
    b = await bed();
  });
  suite.after(async () => {
    await b?.close();
  });
  const got = (): CoordinatorBed => {
    if (!b) throw new Error("no coordinator bed: the suite's before hook did not run");
    return b;
  };
  return {
    get srv() {
      return got().srv;
    },
    get nc() {
      return got().nc;
    },
    get dir() {
      return got().dir;
    },
    get logs() {
      return got().logs;
    },
    coordinator: (opts) => got().coordinator(opts),
    close: () => got().close(),
  };
}

export const newId = (): string => randomBytes(12).toString("base64url");

/** One raw request: {id, body} in, the Reply out. */
export async function ask<T = any>(nc: NatsConnection, subject: string, body: unknown, id = newId()): Promise<Reply<T>> {
  const m = await nc.request(subject, new TextEncoder().encode(JSON.stringify({ id, body })), { timeout: 10_000 });
  return JSON.parse(new TextDecoder().decode(m.data)) as Reply<T>;
}

export async function askRaw(nc: NatsConnection, subject: string, payload: string): Promise<Reply> {
  const m = await nc.request(subject, new TextEncoder().encode(payload), { timeout: 10_000 });
  return JSON.parse(new TextDecoder().decode(m.data)) as Reply;
}

export function ok<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`expected ok, got ${reply.error.code}: ${reply.error.message}`);
  return reply.result;
}

export const join_ = (node: string, ip: string) => ({ node, underlayIp: ip, agentVersion: "test" });
export const run_ = (name: string, node?: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...(node ? { node } : {}),
  image: "busybox",
  cmd: ["sleep", "1000"],
  ports: [],
  ...extra,
});
