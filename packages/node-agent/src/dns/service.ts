/**
 * The node's name service: the DNS server (server.ts) on the node's gateway address (its
 * bridge address, which every container of the node has as its next hop), answering from
 * the agent's fold. It listens once a sync has made the bridge and its address, moves when
 * the node's block changes (a release, then a join as a new node), and stops with the agent.
 * The records are computed again only when the fold moved, at the first query after.
 */
import { nameRecords, type ClusterState } from "@ovl/domain";
import { startDnsServer, type DnsServer } from "./server.js";
import type { Upstream } from "./resolv-conf.js";

export interface NameServiceOptions {
  readonly node: string;
  /** The fold now and its sequence; the state is read at once, never kept past the call. */
  readonly fold: () => { readonly seq: number; readonly state: ClusterState };
  readonly upstreams: () => readonly Upstream[];
  /** @default 53 */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface NameService {
  /** After each sync: listen on the node's gateway (again, if it changed). */
  synced(state: ClusterState): void;
  /** Where it listens now, or null. */
  address(): { readonly host: string; readonly port: number } | null;
  stop(): Promise<void>;
}

export function nameService(opts: NameServiceOptions): NameService {
  const log = opts.log ?? (() => undefined);
  let cached: { seq: number; records: ReadonlyMap<string, string> } | null = null;
  const records = (): ReadonlyMap<string, string> => {
    const { seq, state } = opts.fold();
    if (cached?.seq !== seq) cached = { seq, records: nameRecords(state) };
    return cached.records;
  };
  let server: DnsServer | null = null;
  let wanted: string | null = null;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  let failedOn: string | null = null;

  const move = async (host: string | null): Promise<void> => {
    if (server?.host === host) return;
    if (server) {
      await server.close();
      log(`dns: stopped listening on ${server.host}:${server.port}`);
      server = null;
    }
    if (host === null || stopped) return;
    try {
      server = await startDnsServer({ host, port: opts.port ?? 53, records, upstreams: opts.upstreams, log });
      failedOn = null;
      log(`dns: answering on ${host}:${server.port} (udp, tcp)`);
    } catch (err) {
      // Logged once per address; the next sync tries again (the bridge may come up later).
      if (failedOn !== host) log(`dns: cannot listen on ${host}:${opts.port ?? 53}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      failedOn = host;
    }
  };

  return {
    synced(state) {
      const self = state.nodes[opts.node];
      const host = self && self.status !== "left" && self.status !== "leaving" ? self.gateway : null;
      if (stopped || (host === wanted && (server !== null || host === null))) return;
      wanted = host;
      chain = chain.then(() => move(wanted));
    },
    address: () => (server ? { host: server.host, port: server.port } : null),
    async stop() {
      stopped = true;
      chain = chain.then(() => move(null));
      await chain;
    },
  };
}
