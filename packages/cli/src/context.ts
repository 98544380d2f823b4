/**
 * What every command that talks to NATS shares: the URL (--nats, then OVL_NATS_URL, then
 * the local default, or the lab's when one is up and the default has no broker), how long
 * a request may take, and a client that is always closed.
 */
import type { OvlClient } from "@ovl/client";
import { createConnection } from "node:net";
import { DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT, DEFAULT_NATS_URL } from "@ovl/domain/defaults";
import { natsUrlArg } from "./args.js";
import { UsageError } from "./errors.js";

export interface GlobalOptions {
  /** From --nats. */
  readonly nats?: string;
  /** From --request-timeout, seconds. @default 10 */
  readonly requestTimeout?: number;
}

export const DEFAULT_URL = DEFAULT_NATS_URL;

/** The NATS URL to use; a malformed OVL_NATS_URL is a usage error like a malformed --nats. */
export function resolveNatsUrl(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (g.nats) return g.nats;
  const fromEnv = env.OVL_NATS_URL?.trim();
  if (!fromEnv) return DEFAULT_URL;
  try {
    return natsUrlArg(fromEnv);
  } catch (err) {
    throw new UsageError(`invalid OVL_NATS_URL ${JSON.stringify(fromEnv)}: ${(err as Error).message}`, { cause: err });
  }
}

export function requestTimeoutMs(g: GlobalOptions): number {
  return Math.round((g.requestTimeout ?? 10) * 1000);
}

/**
 * Connects a client for one command and closes it whatever happens; `fn` also gets the URL it
 * reached. A command given no URL whose default has no broker finds the lab that is up.
 */
export async function withClient<T>(g: GlobalOptions, fn: (client: OvlClient, url: string) => Promise<T>): Promise<T> {
  const { OvlClient } = await import("@ovl/client");
  const connectTo = (url: string) =>
    OvlClient.connect({ url, name: "ovl-cli", client: "ovl-cli", reconnect: false, requestDefaults: { timeoutMs: requestTimeoutMs(g) } });
  const { client, url } = await connectOrFallback(resolveNatsUrl(g), givenNoUrl(g) ? labBroker : null, connectTo);
  try {
    return await fn(client, url);
  } finally {
    await client.close();
  }
}

/**
 * Connects at `url`; when no server answers there and `fallback` names another broker, there
 * instead. Any other failure, or no other broker, is the first failure with its hint.
 */
export async function connectOrFallback<C>(url: string, fallback: (() => Promise<string | null>) | null, connectTo: (url: string) => Promise<C>): Promise<{ client: C; url: string }> {
  const { BrokerError, BrokerErrorCodes } = await import("@ovl/client");
  try {
    return { client: await connectTo(url), url };
  } catch (err) {
    if (!fallback || !(err instanceof BrokerError && err.code === BrokerErrorCodes.Unreachable)) throw err;
    const other = await fallback();
    if (!other) throw err;
    return { client: await connectTo(other), url: other };
  }
}

/** Writes to stdout and waits for it to drain (a pipe must get everything before exit). */
export function out(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", resolve);
  });
}

/** Neither --nats nor OVL_NATS_URL: the command may look for a lab when the default fails. */
function givenNoUrl(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  return !g.nats && !env.OVL_NATS_URL?.trim();
}

/**
 * The broker of the lab up on this machine (`ovl up`), with the lab's operator identity put
 * in the environment; null with no lab. So after `ovl up` every command finds the lab with
 * nothing to configure.
 */
async function labBroker(): Promise<string | null> {
  const lab = await import("@ovl/lab");
  if (!lab.claimHolder()) return null;
  const labUrl = lab.natsUrlOf(1);
  Object.assign(process.env, lab.labClientEnv(labUrl));
  return labUrl;
}

/**
 * The URL the TUI opens, decided up front (it takes a URL, not a client): given nothing, the
 * local default unless nothing listens there and a lab is up, then the lab's broker.
 */
export async function tuiNatsUrl(g: GlobalOptions): Promise<string> {
  const url = resolveNatsUrl(g);
  if (!givenNoUrl(g) || (await listening(DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT))) return url;
  return (await labBroker()) ?? url;
}

/** Whether a TCP connection to host:port is accepted within a second. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
