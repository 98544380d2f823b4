/**
 * One way to connect to NATS for every ovl process: the URL from --nats, then
 * OVL_NATS_URL, then the local default; reconnect forever (a broker restart or a stream
 * leader election must not end an agent or coordinator); one inbox prefix per client so
 * that subject permissions can confine replies to their asker.
 *
 * Credentials (--creds / OVL_NATS_CREDS): an ovl identity file (`ovl broker init`), whose
 * user name then becomes the client name, so the inbox prefix is the one its permissions
 * allow; or a NATS JWT .creds file. TLS (--tls-ca / OVL_NATS_CA, and for client
 * certificates --tls-cert / OVL_NATS_CERT with --tls-key / OVL_NATS_KEY): the connection
 * then refuses any server that does not present a certificate signed by that CA.
 */
import { connect, credsAuthenticator, nkeyAuthenticator, type Authenticator, type ConnectionOptions, type NatsConnection, type TlsOptions } from "nats";
import { readFileSync } from "node:fs";
import { DEFAULT_NATS_URL, OvlError, OvlErrorCodes, subjects } from "@ovl/domain";
import { BrokerError, BrokerErrorCodes, connectFailure } from "./broker-errors.js";
import { isOvlCredentials, parseCredentials } from "./credentials.js";

export { DEFAULT_NATS_URL };

export interface ConnectOptions {
  /** Server URL(s), comma-separated. @default process.env.OVL_NATS_URL ?? DEFAULT_NATS_URL */
  readonly url?: string;
  /** Connection name shown by the server, e.g. "ovl-agent n1". */
  readonly name: string;
  /** Client identity used for the inbox prefix (and later the credentials). @default name */
  readonly client?: string;
  /** Path to an ovl identity file or a NATS .creds file. @default process.env.OVL_NATS_CREDS */
  readonly credsFile?: string;
  /** TLS files. @default from OVL_NATS_CA, OVL_NATS_CERT, OVL_NATS_KEY */
  readonly tls?: ClientTls;
  /** User and password (generated per role by `ovl broker`). */
  readonly user?: string;
  readonly pass?: string;
  /** Give up connecting after this long instead of waiting forever (CLI commands). */
  readonly connectTimeoutMs?: number;
  /** Keep reconnecting forever. @default true */
  readonly reconnect?: boolean;
}

export interface ClientTls {
  /** The CA that signed the servers' certificates. */
  readonly caFile?: string;
  /** A client certificate and its key, when the servers verify clients. */
  readonly certFile?: string;
  readonly keyFile?: string;
}

export function natsUrl(url?: string): string {
  return url ?? process.env.OVL_NATS_URL ?? DEFAULT_NATS_URL;
}

/** TLS options from the given files or the environment; undefined when none is set. */
export function clientTls(given?: ClientTls, env: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  const t = given ?? { caFile: env.OVL_NATS_CA || undefined, certFile: env.OVL_NATS_CERT || undefined, keyFile: env.OVL_NATS_KEY || undefined };
  if (!t.caFile && !t.certFile && !t.keyFile) return undefined;
  if (!t.certFile !== !t.keyFile) throw new OvlError(OvlErrorCodes.InvalidInput, "a client certificate needs its key: give both --tls-cert and --tls-key (OVL_NATS_CERT, OVL_NATS_KEY)");
  for (const f of [t.caFile, t.certFile, t.keyFile]) {
    if (f) readable(f, "TLS file");
  }
  return { ...(t.caFile ? { caFile: t.caFile } : {}), ...(t.certFile ? { certFile: t.certFile, keyFile: t.keyFile! } : {}) };
}

function readable(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new OvlError(OvlErrorCodes.InvalidInput, `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The authenticator of a credentials file, and the client name it fixes (ovl identities). */
export function credentialsAuth(file: string): { authenticator: Authenticator; client?: string } {
  const bytes = readable(file, "credentials file");
  const text = bytes.toString("utf8");
  if (!isOvlCredentials(text)) return { authenticator: credsAuthenticator(bytes) };
  const c = parseCredentials(text, file);
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(c.seed)), client: c.user };
}

export async function connectNats(opts: ConnectOptions): Promise<NatsConnection> {
  const servers = natsUrl(opts.url).split(",").map((s) => s.trim()).filter(Boolean);
  const credsFile = opts.credsFile ?? (process.env.OVL_NATS_CREDS || undefined);
  const creds = credsFile ? credentialsAuth(credsFile) : undefined;
  const tls = clientTls(opts.tls);
  const options: ConnectionOptions = {
    servers,
    name: opts.name,
    // An identity may subscribe only under its own prefix: the identity decides the client.
    inboxPrefix: subjects.inboxPrefixFor(creds?.client ?? opts.client ?? opts.name),
    maxReconnectAttempts: opts.reconnect === false ? 0 : -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: opts.connectTimeoutMs === undefined,
    timeout: opts.connectTimeoutMs ?? 20_000,
    ...(creds ? { authenticator: creds.authenticator } : {}),
    ...(tls ? { tls } : {}),
    ...(opts.user ? { user: opts.user, pass: opts.pass ?? "" } : {}),
  };
  try {
    return await connect(options);
  } catch (err) {
    const code = connectFailure(err);
    if (code === BrokerErrorCodes.AuthFailed) {
      const hint = creds ? `the identity in ${credsFile} is not (or no longer) known to it` : "it requires credentials: pass --creds FILE or OVL_NATS_CREDS (from `ovl broker init`)";
      throw new BrokerError(code, `NATS at ${servers.join(", ")} refused the connection: ${hint}`, { cause: err });
    }
    if (code === BrokerErrorCodes.TlsFailed) {
      const hint = tls ? "check that --tls-ca (OVL_NATS_CA) is the CA of these servers" : "the servers require TLS: pass --tls-ca FILE (OVL_NATS_CA) with the CA from `ovl broker tls`";
      throw new BrokerError(code, `TLS with NATS at ${servers.join(", ")} failed (${(err as Error).message}): ${hint}`, { cause: err });
    }
    throw new BrokerError(code, `cannot reach NATS at ${servers.join(", ")}: ${(err as Error).message}; start a broker (\`ovl broker start\`) or pass --nats / OVL_NATS_URL`, { cause: err });
  }
}
