/**
 * A real nats-server (test/support/nats.ts) with ovl's identities (and TLS when asked), for
 * the security, cluster and backup suites. Removed on close, by PID.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { addIdentity, credsFileFor, ensureStreams, type Broker } from "@ovl/broker-setup";
import { connectNats, type ClientTls, type Role } from "@ovl/client";
import { startNats, type TestNats } from "../support/nats.js";

export interface SecureBed {
  readonly dir: string;
  readonly broker: Broker;
  readonly url: string;
  /** Connects as a user of the home (its ovl credentials file), reconnect off. */
  as(user: string, extra?: { tls?: ClientTls; reconnect?: boolean }): Promise<NatsConnection>;
  close(): Promise<void>;
}

export const IDENTITIES: [Role, string?][] = [["admin"], ["coordinator"], ["agent", "n1"], ["agent", "n2"], ["operator"], ["viewer"]];

export async function secureBed(opts: { identities?: [Role, string?][]; streams?: boolean } = {}): Promise<SecureBed> {
  const dir = mkdtempSync(join(tmpdir(), "ovl-sec-"));
  const opened: NatsConnection[] = [];
  let started: TestNats | undefined;
  try {
    for (const [role, name] of opts.identities ?? IDENTITIES) addIdentity(dir, role, name);
    const srv = (started = await startNats({ home: dir, serverName: "sec" }));
    const broker = srv.broker;
    const as = async (user: string, extra: { tls?: ClientTls; reconnect?: boolean } = {}) => {
      const nc = await connectNats({ url: broker.url, name: `test ${user}`, credsFile: credsFileFor(dir, user), connectTimeoutMs: 5000, reconnect: extra.reconnect ?? false, ...(extra.tls ? { tls: extra.tls } : {}) });
      opened.push(nc);
      return nc;
    };
    if (opts.streams !== false) {
      const admin = await as("admin");
      await ensureStreams(await admin.jetstreamManager());
    }
    return {
      dir,
      broker,
      url: broker.url,
      as,
      async close() {
        for (const nc of opened) await nc.close().catch(() => {});
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const nc of opened) await nc.close().catch(() => {});
    await started?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The first PERMISSIONS_VIOLATION status of a connection within `ms`, or null. */
export async function nextViolation(nc: NatsConnection, ms = 2000): Promise<{ operation?: string; subject?: string } | null> {
  const it = nc.status();
  const timer = new Promise<null>((r) => setTimeout(() => r(null), ms));
  const seen = (async () => {
    for await (const s of it) {
      if (s.data === "PERMISSIONS_VIOLATION") {
        const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
        return { operation: ctx?.operation, subject: ctx?.subject };
      }
    }
    return null;
  })();
  return Promise.race([seen, timer]);
}
