/**
 * `ovl broker start` (a local nats-server in the foreground, stopped by its PID on Ctrl-C)
 * and `ovl broker setup` (the streams, created or updated idempotently).
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { connectNats, ensureStreams, startBroker } from "@ovl/broker-setup";
import { parseIpv4, subjects } from "@ovl/domain";
import { out, resolveNatsUrl, type GlobalOptions } from "../context.js";
import { asUsage } from "../errors.js";
import { untilSignal } from "./signals.js";

export interface BrokerStartOptions {
  readonly host: string;
  readonly port: number;
  readonly store?: string;
}

export async function brokerStartCommand(_g: GlobalOptions, opts: BrokerStartOptions): Promise<number> {
  const host = asUsage(() => parseIpv4(opts.host, "--host address"));
  const broker = await startBroker({ host, port: opts.port, ...(opts.store ? { storeDir: opts.store } : {}) });
  const signals = untilSignal();
  await out(`broker ${broker.url} running (pid ${broker.pid}, config ${broker.configFile}); Ctrl-C stops it\n`);
  const why = await Promise.race([signals.received, broker.exited.then((code) => ({ code }))]);
  signals.dispose();
  if (typeof why === "object") {
    process.stderr.write(`error: nats-server (pid ${broker.pid}) exited with code ${why.code}; see its log next to ${broker.configFile}\n`);
    return 1;
  }
  await broker.stop();
  await out(`broker stopped (${why})\n`);
  return 0;
}

/**
 * Streams that are missing are created with the replicas of one that exists (else
 * `replicas`); returns what ensureStreams did, or null when both already existed.
 */
export async function ensureStreamsIfMissing(jsm: JetStreamManager, replicas = 1): Promise<Record<string, string> | null> {
  const names = [subjects.STREAM_EVENTS, subjects.STREAM_HEARTBEATS];
  const infos = await Promise.all(names.map((n) => jsm.streams.info(n).catch(() => null)));
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

export async function brokerSetupCommand(g: GlobalOptions, opts: { replicas: number }): Promise<number> {
  const result = await withConnection(g, "ovl-setup", async (nc) => ensureStreams(await nc.jetstreamManager(), { replicas: opts.replicas }));
  await out(describeStreams(result));
  return 0;
}
