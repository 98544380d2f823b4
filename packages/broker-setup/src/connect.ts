/**
 * One way to connect to NATS for every ovl process: the URL from --nats, then
 * OVL_NATS_URL, then the local default; reconnect forever (a broker restart or a stream
 * leader election must not end an agent or coordinator); one inbox prefix per client so
 * that subject permissions can confine replies to their asker.
 */
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from "nats";
import { readFileSync } from "node:fs";
import { subjects } from "@ovl/domain";

export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

export interface ConnectOptions {
  /** Server URL(s), comma-separated. @default process.env.OVL_NATS_URL ?? DEFAULT_NATS_URL */
  readonly url?: string;
  /** Connection name shown by the server, e.g. "ovl-agent n1". */
  readonly name: string;
  /** Client identity used for the inbox prefix (and later the credentials). @default name */
  readonly client?: string;
  /** Path to a NATS credentials file. @default process.env.OVL_NATS_CREDS */
  readonly credsFile?: string;
  /** User and password (generated per role by `ovl broker`). */
  readonly user?: string;
  readonly pass?: string;
  /** Give up connecting after this long instead of waiting forever (CLI commands). */
  readonly connectTimeoutMs?: number;
  /** Keep reconnecting forever. @default true */
  readonly reconnect?: boolean;
}

export function natsUrl(url?: string): string {
  return url ?? process.env.OVL_NATS_URL ?? DEFAULT_NATS_URL;
}

export async function connectNats(opts: ConnectOptions): Promise<NatsConnection> {
  const servers = natsUrl(opts.url).split(",").map((s) => s.trim()).filter(Boolean);
  const credsFile = opts.credsFile ?? process.env.OVL_NATS_CREDS;
  const options: ConnectionOptions = {
    servers,
    name: opts.name,
    inboxPrefix: subjects.inboxPrefixFor(opts.client ?? opts.name),
    maxReconnectAttempts: opts.reconnect === false ? 0 : -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: opts.connectTimeoutMs === undefined,
    timeout: opts.connectTimeoutMs ?? 20_000,
    ...(credsFile ? { authenticator: credsAuthenticator(readFileSync(credsFile)) } : {}),
    ...(opts.user ? { user: opts.user, pass: opts.pass ?? "" } : {}),
  };
  try {
    return await connect(options);
  } catch (err) {
    throw new Error(`cannot reach NATS at ${servers.join(", ")}: ${(err as Error).message}; start a broker (\`ovl broker start\`) or pass --nats / OVL_NATS_URL`, { cause: err });
  }
}
