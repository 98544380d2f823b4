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

/** Connects a client for one command and closes it whatever happens. */
export async function withClient<T>(g: GlobalOptions, fn: (client: OvlClient) => Promise<T>): Promise<T> {
  const { OvlClient } = await import("@ovl/client");
  const client = await OvlClient.connect({
    url: await clientNatsUrl(g),
    name: "ovl-cli",
    client: "ovl-cli",
    reconnect: false,
    requestDefaults: { timeoutMs: requestTimeoutMs(g) },
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
 * The URL a client command connects to. Given nothing (no --nats, no OVL_NATS_URL), it is the
 * local default, unless nothing listens there and a lab is up on this machine (`ovl up`): then
 * the lab's broker, which is on the lab's LAN, with the lab's operator identity. So after
 * `ovl up` every command finds the lab with nothing to configure.
 */
export async function clientNatsUrl(g: GlobalOptions): Promise<string> {
  const url = resolveNatsUrl(g);
  if (url !== DEFAULT_URL || (await listening(DEFAULT_BROKER_HOST, DEFAULT_BROKER_PORT))) return url;
  const lab = await import("@ovl/lab");
  if (!lab.claimHolder()) return url;
  const labUrl = lab.natsUrlOf(1);
  Object.assign(process.env, lab.labClientEnv(labUrl));
  return labUrl;
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
