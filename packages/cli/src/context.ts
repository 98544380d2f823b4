/**
 * What every command that talks to NATS shares: the URL (--nats, then OVL_NATS_URL, then
 * the local default), how long a request may take, and a client that is always closed.
 */
import type { OvlClient } from "@ovl/client";
import { DEFAULT_NATS_URL } from "@ovl/domain/defaults";
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

/** Connects a client for one command and closes it whatever happens. */
export async function withClient<T>(g: GlobalOptions, fn: (client: OvlClient) => Promise<T>): Promise<T> {
  const { OvlClient } = await import("@ovl/client");
  const client = await OvlClient.connect({
    url: resolveNatsUrl(g),
    name: "ovl-cli",
    client: "ovl-cli",
    reconnect: false,
    requestDefaults: { timeoutMs: requestTimeoutMs(g) },
  }).catch(async (err: Error) => {
    throw await withLabHint(g, err);
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Writes to stdout and waits for it to drain (a pipe must get everything before exit). */
export function out(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", resolve);
  });
}

/**
 * A command that found no broker at the default address while a lab is up on this machine
 * (`ovl up`) is told where the lab's broker is: the lab's NATS is on its LAN, not on
 * 127.0.0.1.
 */
async function withLabHint(g: GlobalOptions, err: Error): Promise<Error> {
  const { BrokerError, BrokerErrorCodes } = await import("@ovl/client");
  if (!(err instanceof BrokerError && err.code === BrokerErrorCodes.Unreachable) || resolveNatsUrl(g) !== DEFAULT_URL) return err;
  const lab = await import("@ovl/lab");
  if (!lab.claimHolder()) return err;
  const url = lab.natsUrlOf(1);
  return new BrokerError(err.code, `${err.message}. A lab is up on this machine and its NATS is at ${url}: export OVL_NATS_URL=${url} (or pass --nats ${url})`, { cause: err });
}
