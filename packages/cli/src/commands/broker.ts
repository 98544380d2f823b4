/**
 * `ovl broker start` (a local nats-server, or a cluster of them, in the foreground, stopped
 * by PID on Ctrl-C), `ovl broker setup` (the streams, created or updated idempotently), and
 * the security and history commands: init, users, tls, backup, restore (docs/security.md,
 * docs/operations.md).
 */
import type { JetStreamManager, NatsConnection } from "nats";
import {
  DEFAULT_STORE_DIR,
  addIdentity,
  backupStream,
  clusterSize,
  durabilityWarning,
  ensureStreams,
  formatSans,
  streamInfoOrNull,
  loadIdentities,
  nkeyFileFor,
  parseServerVersion,
  reloadAll,
  removeIdentity,
  restoreStream,
  setupTls,
  startBroker,
  startCluster,
  type Broker,
  type ReloadResult,
} from "@ovl/broker-setup";
import { connectNats, parseRole } from "@ovl/client";
import { DEFAULT_ROUTE_PORT, parseIpv4, subjects } from "@ovl/domain";
import { out, resolveNatsUrl, type GlobalOptions } from "../context.js";
import { UsageError, asUsage } from "../errors.js";
import { untilSignal } from "./signals.js";

export interface BrokerStartOptions {
  readonly host: string;
  readonly port: number;
  readonly store?: string;
  /** Servers to start (1, 3 or 5), on ports port.. and routePort.. @default 1 */
  readonly clusterSize?: number;
  readonly routePort?: number;
  /** With routes: this server joins a cluster of servers on other machines. */
  readonly clusterName?: string;
  readonly routes?: string;
  readonly serverName?: string;
  readonly insecure?: boolean;
}

/** `--routes nats://A:6222,nats-route://B:6222` as nats-server's route URLs; throws UsageError. */
export function parseRoutes(raw: string): string[] {
  const list = raw.split(",").map((r) => r.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError("--routes: give at least one nats://HOST:PORT");
  return list.map((r) => {
    const m = /^(?:nats|nats-route):\/\/([0-9.]+):(\d{1,5})$/.exec(r);
    if (!m) throw new UsageError(`invalid route ${JSON.stringify(r)}: expected nats://IPV4:PORT`);
    parseIpv4(m[1]!, "route address");
    return `nats-route://${m[1]}:${m[2]}`;
  });
}

/** One server, routed to servers on other machines when --routes is given. */
function singleServer(host: string, opts: BrokerStartOptions) {
  if (!opts.routes) {
    if (opts.clusterName) throw new UsageError("--cluster-name needs --routes (the cluster's servers)");
    return startBroker({ host, port: opts.port, ...(opts.store ? { storeDir: opts.store } : {}), ...(opts.insecure ? { insecure: true } : {}) });
  }
  const routes = parseRoutes(opts.routes);
  const serverName = opts.serverName ?? `ovl-${host.replaceAll(".", "-")}`;
  const cluster = { name: opts.clusterName ?? "ovl", host, port: opts.routePort ?? 6222, routes };
  return startBroker({ host, port: opts.port, serverName, cluster, ...(opts.store ? { storeDir: opts.store } : {}), ...(opts.insecure ? { insecure: true } : {}) });
}

async function startServers(host: string, opts: BrokerStartOptions): Promise<{ servers: Broker[]; created: readonly string[] }> {
  const size = asUsage(() => clusterSize(opts.clusterSize ?? 1));
  if (size === 1) {
    const b = await singleServer(host, opts);
    return { servers: [b], created: b.created };
  }
  if (opts.routes) throw new UsageError("--cluster-size starts servers on this machine; --routes joins servers on others: give one of them");
  const cluster = await startCluster({ home: opts.store ?? DEFAULT_STORE_DIR, size, host, port: opts.port, routePort: opts.routePort ?? DEFAULT_ROUTE_PORT, ...(opts.insecure ? { insecure: true } : {}) });
  return { servers: [...cluster.servers], created: cluster.created };
}

export async function brokerStartCommand(_g: GlobalOptions, opts: BrokerStartOptions): Promise<number> {
  const host = asUsage(() => parseIpv4(opts.host, "--host address"));
  const { servers, created } = await startServers(host, opts);
  for (const w of servers[0]!.warnings) process.stderr.write(`${w}\n`);
  if (created.length > 0) await out(`listening beyond loopback: made identities and TLS (mode 0600; hand each file to its process only):\n${created.map((f) => `  ${f}\n`).join("")}`);
  const signals = untilSignal();
  for (const b of servers) await out(`broker ${b.url} running (pid ${b.pid}, config ${b.configFile}); Ctrl-C stops it\n`);
  if (servers.length > 1) await out(`cluster of ${servers.length}: --nats ${servers.map((b) => b.url).join(",")}, then \`ovl broker setup --replicas ${servers.length}\`\n`);
  const exits = servers.map((b) => b.exited.then((code) => ({ code, b })));
  const why = await Promise.race([signals.received, ...exits]);
  signals.dispose();
  await Promise.all(servers.map((b) => b.stop()));
  if (typeof why === "object") {
    process.stderr.write(`error: nats-server (pid ${why.b.pid}) exited with code ${why.code}; see its log ${why.b.logFile}\n`);
    return 1;
  }
  await out(`broker stopped (${why})\n`);
  return 0;
}

/**
 * Streams that are missing are created with the replicas of one that exists (else
 * `replicas`); returns what ensureStreams did, or null when both already existed. Only
 * "stream not found" counts as missing: a stream that timed out (its leader being elected)
 * must not be "created" again with other replicas.
 */
export async function ensureStreamsIfMissing(jsm: JetStreamManager, replicas = 1): Promise<Record<string, string> | null> {
  const names = [subjects.STREAM_EVENTS, subjects.STREAM_HEARTBEATS];
  const infos = await Promise.all(names.map((n) => streamInfoOrNull(jsm, n)));
  if (infos.every(Boolean)) return null;
  const existing = infos.find(Boolean)?.config.num_replicas;
  return ensureStreams(jsm, { replicas: existing ?? replicas });
}

export const describeStreams = (result: Record<string, string>): string =>
  Object.entries(result).map(([name, what]) => `${name}: ${what === "unchanged" ? "unchanged (already as ovl needs)" : what}`).join("\n") + "\n";

async function withConnection<T>(g: GlobalOptions, name: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats({ url: resolveNatsUrl(g), name, connectTimeoutMs: 5000, reconnect: false });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

export async function brokerBackupCommand(g: GlobalOptions, file: string): Promise<number> {
  const r = await withConnection(g, "ovl-backup", (nc) => backupStream(nc, file));
  await out(`${subjects.STREAM_EVENTS}: ${r.messages} messages (sequences 1 to ${r.lastSeq}, ${r.streamBytes} bytes on the server) saved to ${r.file}\n`);
  return 0;
}

export async function brokerRestoreCommand(g: GlobalOptions, file: string, opts: { replicas: number }): Promise<number> {
  const r = await withConnection(g, "ovl-restore", (nc) => restoreStream(nc, file, { replicas: opts.replicas }));
  await out(`${subjects.STREAM_EVENTS}: ${r.messages} messages restored with their sequences (last ${r.lastSeq}); start the coordinators now\n`);
  return 0;
}

const describeReload = (results: ReloadResult[]): string =>
  results.length === 0
    ? "no server was started from this directory yet: the identities apply when it starts\n"
    : results.map((r) => (r.outcome === "reloaded" ? `server pid ${r.pid} reloaded (connections kept)\n` : `server of ${r.storeDir} not running: applies at its next start\n`)).join("");

export interface InitOptions {
  readonly store?: string;
  readonly node: string[];
}

/** Creates the role identities (and one per --node); existing ones are kept. Prints paths, never secrets. */
export async function brokerInitCommand(_g: GlobalOptions, opts: InitOptions): Promise<number> {
  const home = opts.store ?? DEFAULT_STORE_DIR;
  const wanted: [string, string?][] = [["admin"], ["coordinator"], ["operator"], ["viewer"], ...opts.node.map((n): [string, string] => ["agent", n])];
  const rows = wanted.map(([role, name]) => asUsage(() => addIdentity(home, parseRole(role), name)));
  for (const r of rows) await out(`${r.created ? "created" : "kept   "} ${r.identity.user.padEnd(24)} ${r.credsFile}\n`);
  await out(describeReload(await reloadAll(home)));
  return 0;
}

export async function brokerUsersCommand(_g: GlobalOptions, action: string, arg: string | undefined, name: string | undefined, opts: { store?: string; node?: string; name?: string }): Promise<number> {
  const home = opts.store ?? DEFAULT_STORE_DIR;
  if (action === "list") {
    for (const i of loadIdentities(home)) await out(`${i.user.padEnd(24)} ${i.role.padEnd(12)} ${i.nkey}\n`);
    return 0;
  }
  if (action === "add") {
    if (!arg) throw new UsageError("usage: ovl broker users add <role> [NODE | NAME]");
    const r = asUsage(() => addIdentity(home, parseRole(arg), name ?? (arg === "agent" ? opts.node : opts.name)));
    await out(`${r.created ? "created" : "kept"} ${r.identity.user}: ${r.credsFile} (mode 0600; hand it to that process only; the nats CLI takes ${nkeyFileFor(home, r.identity.user)} with --nkey)\n`);
  } else if (action === "rm") {
    if (!arg) throw new UsageError("usage: ovl broker users rm <user>");
    if (!removeIdentity(home, arg)) throw new UsageError(`no identity ${JSON.stringify(arg)} in ${home}: see \`ovl broker users list\``);
    await out(`removed ${arg}; its connections are closed at the reload\n`);
  } else {
    throw new UsageError(`unknown action ${JSON.stringify(action)}: list, add or rm`);
  }
  await out(describeReload(await reloadAll(home)));
  return 0;
}

export interface TlsCommandOptions {
  readonly store?: string;
  readonly ip: string[];
  readonly dns: string[];
  readonly client: string[];
  readonly verify?: boolean;
}

export async function brokerTlsCommand(_g: GlobalOptions, opts: TlsCommandOptions): Promise<number> {
  const home = opts.store ?? DEFAULT_STORE_DIR;
  for (const ip of opts.ip) asUsage(() => parseIpv4(ip, "--ip address"));
  const files = await setupTls(home, { ips: opts.ip, dnsNames: opts.dns, clients: opts.client, ...(opts.verify ? { verify: true } : {}) });
  const reissued = files.server.kind === "reissued" ? ` (re-issued for ${formatSans(files.server.added)} as well)` : "";
  await out(`CA ${files.caFile}; server certificate ${files.certFile}${reissued}${files.verify ? "; clients must present a certificate" : ""}\n`);
  for (const [name, c] of Object.entries(files.clients)) await out(`client ${name}: --tls-cert ${c.certFile} --tls-key ${c.keyFile}\n`);
  await out(`clients: --tls-ca ${files.caFile} (or OVL_NATS_CA)\n`);
  await out(describeReload(await reloadAll(home)));
  return 0;
}

export async function brokerSetupCommand(g: GlobalOptions, opts: { replicas: number }): Promise<number> {
  const result = await withConnection(g, "ovl-setup", async (nc) => {
    const version = nc.info?.version;
    const warning = version ? durabilityWarning(parseServerVersion(version)) : null;
    if (warning) process.stderr.write(`${warning}\n`);
    return ensureStreams(await nc.jetstreamManager(), { replicas: opts.replicas });
  });
  await out(describeStreams(result));
  return 0;
}
