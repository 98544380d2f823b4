/**
 * The broker under a fault test: one nats-server (the fault: kill -9 and start again on the
 * same store) or a 3-server cluster from @ovl/broker-setup with streams of 3 replicas (the
 * fault: kill -9 the server holding the OVL_EVENTS leader, start it again after `downMs`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { ensureStreams, startBroker, startCluster, type Broker } from "@ovl/broker-setup";
import { freePort, startNats } from "./nats.js";
import { until } from "./wait.js";

export interface FaultBroker {
  readonly kind: "single" | "cluster";
  readonly url: string;
  /** Kills the (leader's) server with -9; resolves once it serves again. Returns what was killed. */
  killLeader(downMs: number): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** The server name of the OVL_EVENTS leader, once both its replicas are current (3 replicas). */
export const streamLeader = (jsm: JetStreamManager): Promise<string> =>
  until("a stream leader with its replicas current", 60_000, async () => {
    const info = await jsm.streams.info(subjects.STREAM_EVENTS);
    const r = info.cluster?.replicas ?? [];
    return info.cluster?.leader && r.length === 2 && r.every((x) => x.current) ? info.cluster.leader : null;
  });

export async function singleBroker(): Promise<FaultBroker> {
  const srv = await startNats();
  const nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  await nc.close();
  return {
    kind: "single",
    url: srv.url,
    async killLeader(downMs) {
      await srv.restart(); // kill -9, then start on the same store
      await sleep(downMs);
      return `nats-server pid ${srv.pid}`;
    },
    stop: () => srv.stop(),
  };
}

export async function clusterBroker(): Promise<FaultBroker> {
  const home = mkdtempSync(join(tmpdir(), "ovl-faults-cluster-"));
  const port = await freePort();
  const routePort = await freePort();
  const base = { host: "127.0.0.1", home, readyTimeoutMs: 30_000 };
  const c = await startCluster({ ...base, size: 3, port, routePort, namePrefix: "f" });
  const servers: Broker[] = [...c.servers];
  const routes = c.names.map((_, i) => `nats-route://127.0.0.1:${routePort + i}`);
  const admin: NatsConnection = await connect({ servers: c.url.split(","), maxReconnectAttempts: -1 });
  const jsm = await until("JetStream in the cluster", 30_000, () => admin.jetstreamManager());
  await until("streams with 3 replicas", 30_000, async () => ensureStreams(jsm, { replicas: 3 }));
  const leader = () => streamLeader(jsm);
  let stopped = false; // a pending killLeader does not start its server after stop()
  await leader();
  return {
    kind: "cluster",
    url: c.url,
    async killLeader(downMs) {
      const name = await leader();
      const i = c.names.indexOf(name);
      await servers[i]!.kill();
      await sleep(downMs);
      if (stopped) return `stream leader ${name} (not restarted: the broker was stopped)`;
      servers[i] = await startBroker({ ...base, port: port + i, storeDir: join(home, `s${i + 1}`), serverName: name, cluster: { name: "ovl", host: "127.0.0.1", port: routePort + i, routes } });
      await leader();
      return `stream leader ${name}`;
    },
    async stop() {
      stopped = true;
      await admin.close().catch(() => undefined);
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
