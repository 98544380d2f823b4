/**
 * The nats-server configuration ovl runs with, rendered as text by one pure function so
 * that it can be read, diffed and tested. JetStream's store directory lives in the config
 * (`store_dir`) and never also on the command line: nats-server refuses `-sd` together
 * with `store_dir`, and with `-sd` a config reload is impossible (measured on nats-server 2.9).
 */
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT, DEFAULT_ROUTE_PORT, MAX_PIECES, OvlError, OvlErrorCodes } from "@ovl/domain";
import { identityPermissions, type Identity } from "./identities.js";
import type { Permissions } from "./permissions.js";

/** A JetStream cluster of several servers (G3): this server's route listener and its peers. */
export interface ClusterRoutes {
  /** The cluster's name; the same on every server. @default "ovl" */
  readonly name?: string;
  /** Address the route listener binds. @default "0.0.0.0" */
  readonly host?: string;
  /** Port of the route listener. @default 6222 */
  readonly port?: number;
  /** Peers, e.g. ["nats-route://198.18.0.12:6222"]. */
  readonly routes: readonly string[];
}

export interface ServerConfigOptions {
  /** Address clients connect to. @default "127.0.0.1" */
  readonly host?: string;
  /** Client port. @default 4222 */
  readonly port?: number;
  /** The server's name (unique within a cluster). @default "ovl" */
  readonly serverName?: string;
  /** JetStream's store directory (absolute path). */
  readonly storeDir: string;
  /** HTTP monitoring port on the same host; none when unset. */
  readonly httpPort?: number;
  /** Log file; nats-server logs to stderr when unset. */
  readonly logFile?: string;
  /** The largest message the server takes, in bytes (tests of small servers). @default MAX_PAYLOAD_BYTES */
  readonly maxPayload?: number;
  /** JetStream memory limit in bytes. @default 256 MiB */
  readonly maxMemoryStore?: number;
  /** JetStream file limit in bytes. @default 8 GiB */
  readonly maxFileStore?: number;
  /** Routes to peers; a single server when unset. */
  readonly cluster?: ClusterRoutes;
  /** The identities allowed in (account OVL); anyone may connect when unset or empty. */
  readonly identities?: readonly Identity[];
  /** TLS for clients (and routes, when clustered); plain TCP when unset. */
  readonly tls?: ServerTls;
  /** `sync_interval: always` (fsync before every ack): only nats-server 2.10+ knows it. */
  readonly syncAlways?: boolean;
  /** nats-server writes its PID here (the target of a reload's SIGHUP). */
  readonly pidFile?: string;
}

export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Require a client certificate signed by the CA from every client. @default false */
  readonly verify?: boolean;
}

/** The account every ovl identity lives in (JetStream enabled). */
export const ACCOUNT = "OVL";

export { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT };
export const DEFAULT_SERVER_NAME = "ovl";

const invalid = (message: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, message);

function checkPort(what: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`invalid ${what} ${port}: expected an integer from 1 to 65535`);
  return port;
}

function checkHost(host: string): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw invalid(`invalid host ${JSON.stringify(host)}: expected an address or host name`);
  return host;
}

/** A double-quoted config string; characters the config parser would misread are refused. */
function quoted(what: string, value: string): string {
  if (value.length === 0 || /["\\\n\r\0]/.test(value)) throw invalid(`invalid ${what} ${JSON.stringify(value)}: no quotes, backslashes or line breaks`);
  return `"${value}"`;
}

function renderTls(t: ServerTls, indent: string, verify: boolean): string[] {
  return [
    `${indent}tls {`,
    `${indent}  cert_file: ${quoted("certificate file", t.certFile)}`,
    `${indent}  key_file: ${quoted("key file", t.keyFile)}`,
    `${indent}  ca_file: ${quoted("CA file", t.caFile)}`,
    `${indent}  verify: ${verify}`,
    `${indent}  timeout: 2`,
    `${indent}}`,
  ];
}

const subjectList = (list: readonly string[]): string => list.map((x) => quoted("subject", x)).join(", ");

function renderPermissions(p: Permissions): string {
  const parts = [`publish: { allow: [${subjectList(p.publish)}] }`, `subscribe: { allow: [${subjectList(p.subscribe)}] }`];
  if (p.responses) parts.push(`allow_responses: { max: ${p.responses.max}, expires: "${p.responses.expiresSec}s" }`);
  // A reply too large for one message goes out in pieces (domain pieces.ts), each a response:
  // `allow_responses: true` would let only the first through.
  else if (p.allowResponses) parts.push(`allow_responses: { max: ${MAX_PIECES} }`);
  return `permissions: { ${parts.join(", ")} }`;
}

/** One account with JetStream; each identity an NKey user with its role's permissions. */
function renderAccounts(ids: readonly Identity[]): string[] {
  const users = ids.map((i) => {
    const p = identityPermissions(i);
    return `      { nkey: ${quoted("nkey", i.nkey)}${p ? `, ${renderPermissions(p)}` : ""} }  # ${i.user}`;
  });
  return ["accounts {", `  ${ACCOUNT} {`, "    jetstream: enabled", "    users: [", ...users, "    ]", "  }", "}"];
}

function renderCluster(c: ClusterRoutes, tls?: ServerTls): string[] {
  const routes = c.routes.map((r) => {
    if (!/^nats-route:\/\/[A-Za-z0-9.:-]+:\d{1,5}$/.test(r)) throw invalid(`invalid route ${JSON.stringify(r)}: expected nats-route://host:port`);
    return `    ${quoted("route", r)}`;
  });
  return [
    "cluster {",
    `  name: ${quoted("cluster name", c.name ?? "ovl")}`,
    `  listen: "${checkHost(c.host ?? "0.0.0.0")}:${checkPort("route port", c.port ?? DEFAULT_ROUTE_PORT)}"`,
    "  routes: [",
    ...routes,
    "  ]",
    // Routes are mutual: each server presents its certificate to the other.
    ...(tls ? renderTls(tls, "  ", true) : []),
    "}",
  ];
}

/** Renders the config file. Pure; throws INVALID_INPUT naming a bad option. */
/** The largest message the broker accepts: a `ps` of ~40,000 containers. */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

export function renderServerConfig(opts: ServerConfigOptions): string {
  const host = checkHost(opts.host ?? DEFAULT_BROKER_HOST);
  const name = opts.serverName ?? DEFAULT_SERVER_NAME;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalid(`invalid server name ${JSON.stringify(name)}: letters, digits, _ and - only`);
  if (!opts.storeDir.startsWith("/")) throw invalid(`store directory ${JSON.stringify(opts.storeDir)} must be an absolute path`);
  const lines = [
    "# Generated by ovl (broker-setup); edits are overwritten at the next start.",
    `server_name: ${name}`,
    `listen: "${host}:${checkPort("port", opts.port ?? DEFAULT_BROKER_PORT)}"`,
    ...(opts.httpPort !== undefined ? [`http: "${host}:${checkPort("http port", opts.httpPort)}"`] : []),
    ...(opts.logFile !== undefined ? [`log_file: ${quoted("log file", opts.logFile)}`] : []),
    ...(opts.pidFile !== undefined ? [`pid_file: ${quoted("pid file", opts.pidFile)}`] : []),
    // Listings of thousands of containers are one reply each: allow them (the default is 1 MB).
    `max_payload: ${opts.maxPayload ?? MAX_PAYLOAD_BYTES}`,
    "jetstream {",
    `  store_dir: ${quoted("store directory", opts.storeDir)}`,
    `  max_memory_store: ${opts.maxMemoryStore ?? 256 * 1024 ** 2}`,
    `  max_file_store: ${opts.maxFileStore ?? 8 * 1024 ** 3}`,
    ...(opts.syncAlways ? ["  sync_interval: always"] : []),
    "}",
    ...(opts.tls ? renderTls(opts.tls, "", opts.tls.verify ?? false) : []),
    ...(opts.identities?.length ? renderAccounts(opts.identities) : []),
    ...(opts.cluster ? renderCluster(opts.cluster, opts.tls) : []),
  ];
  return lines.join("\n") + "\n";
}
