/**
 * A local JetStream cluster (G3): `size` nats-servers on one host, each with its own client
 * port, route port and store directory (<home>/s<i>), all routed to each other and sharing
 * the home's identities and TLS files. Each server is a Broker, so a test or the lab can
 * kill exactly one (the stream leader) by its PID.
 */
import { join, resolve } from "node:path";
import { DEFAULT_ROUTE_PORT, OvlError, OvlErrorCodes } from "@ovl/domain";
import { DEFAULT_BROKER_HOST } from "./config.js";
import { startBroker, type Broker } from "./server.js";
import { ensureLocked, lockMode } from "./lock.js";

export interface ClusterOptions {
  /** Identities, TLS files, and one store directory per server. */
  readonly home: string;
  /** Servers. @default 3 */
  readonly size?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Client port of server 1; server i listens on port + i - 1. @default 4222 */
  readonly port?: number;
  /** Route port of server 1; server i on routePort + i - 1. @default 6222 */
  readonly routePort?: number;
  /** Monitoring port of server 1, when wanted. */
  readonly httpPort?: number;
  /** Server names are <prefix><i>. @default "ovl-" */
  readonly namePrefix?: string;
  readonly readyTimeoutMs?: number;
  /** Listen beyond loopback without identities and TLS. @default false */
  readonly insecure?: boolean;
}

export interface LocalCluster {
  readonly servers: readonly Broker[];
  /** All client URLs, comma-separated (what --nats / OVL_NATS_URL take). */
  readonly url: string;
  /** Server names, index-aligned with `servers` (stream info's `cluster.leader` is one of them). */
  readonly names: readonly string[];
  /** Identity and TLS files made at this start (paths). */
  readonly created: readonly string[];
  stop(): Promise<void>;
}

export function clusterSize(raw: unknown): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > 5 || raw === 2 || raw === 4) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `invalid cluster size ${JSON.stringify(raw)}: 1, 3 or 5 (an odd number keeps a majority)`);
  }
  return raw;
}

export async function startCluster(opts: ClusterOptions): Promise<LocalCluster> {
  const size = clusterSize(opts.size ?? 3);
  const home = resolve(opts.home);
  const host = opts.host ?? DEFAULT_BROKER_HOST;
  const port = opts.port ?? 4222;
  const routePort = opts.routePort ?? DEFAULT_ROUTE_PORT;
  const names = Array.from({ length: size }, (_, i) => `${opts.namePrefix ?? "ovl-"}${i + 1}`);
  const routes = names.map((_, i) => `nats-route://${host}:${routePort + i}`);
  const servers: Broker[] = [];
  // Made once here: the servers start together and share the home's files.
  const created = lockMode([host], opts.insecure ?? false) === "locked" ? await ensureLocked(home, [host]) : [];
  const stop = async () => void (await Promise.all(servers.map((s) => s.stop())));
  try {
    // Started together: JetStream waits for its peers, so one by one would stall the first.
    const started = await Promise.allSettled(
      names.map((name, i) =>
        startBroker({
          host, port: port + i, home, storeDir: join(home, `s${i + 1}`), serverName: name, readyTimeoutMs: opts.readyTimeoutMs ?? 15_000,
          ...(opts.httpPort !== undefined ? { httpPort: opts.httpPort + i } : {}),
          cluster: { name: "ovl", host, port: routePort + i, routes }, ...(opts.insecure ? { insecure: true } : {}),
        }),
      ),
    );
    for (const r of started) if (r.status === "fulfilled") servers.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, names, url: servers.map((s) => s.url).join(","), created, stop };
}
