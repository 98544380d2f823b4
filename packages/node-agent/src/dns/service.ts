/**
 * The node's name service: a DNS server (server.ts) on the node's gateway of every network
 * it holds a block of (the network's bridge address, which every container of the node on
 * that network has as its next hop), answering from the agent's fold. After each sync (the
 * kernel applied, so new bridges hold their addresses) it listens on the gateways that
 * appeared and stops on those gone (a network removed, the node's block released); an
 * address not on the node yet is tried again a few times, then at the next sync. The index
 * is computed again only when the fold moved, at the first query after.
 */
import type { ClusterState } from "@ovl/domain";
import { gatewaysOf, type Listening } from "./gateways.js";
import { nameIndex, type NameIndex } from "./name-index.js";
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
  /** Between tries on a gateway that cannot be bound yet. @default 250 */
  readonly retryMs?: number;
}

export interface Listener {
  readonly network: string;
  readonly host: string;
  readonly port: number;
}

export interface NameService {
  /** After each sync: listen on the node's gateways (again, if they changed). */
  synced(state: ClusterState): void;
  /** Where it listens now, in the order of the node's networks (`ovl` first). */
  addresses(): readonly Listener[];
  stop(): Promise<void>;
}

/** Tries on one address before waiting for the next sync: 5 s at the default pace. */
const MAX_TRIES = 20;

const keyOf = (l: Listening): string => `${l.network}@${l.gateway}`;

export function nameService(opts: NameServiceOptions): NameService {
  const log = opts.log ?? (() => undefined);
  let cached: { seq: number; index: NameIndex } | null = null;
  const index = (): NameIndex => {
    const { seq, state } = opts.fold();
    if (cached?.seq !== seq) cached = { seq, index: nameIndex(state) };
    return cached.index;
  };
  const servers = new Map<string, { network: string; server: DnsServer }>();
  const tries = new Map<string, number>();
  let wanted: Listening[] = [];
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | null = null;

  /** Whether to try again soon: false once listening, or after MAX_TRIES (then each sync tries once). */
  const listen = async (l: Listening): Promise<boolean> => {
    const key = keyOf(l);
    try {
      const server = await startDnsServer({ host: l.gateway, port: opts.port ?? 53, network: l.network, index, upstreams: opts.upstreams, log });
      servers.set(key, { network: l.network, server });
      tries.delete(key);
      log(`dns: answering network ${l.network} on ${l.gateway}:${server.port} (udp, tcp)`);
      return false;
    } catch (err) {
      const n = (tries.get(key) ?? 0) + 1;
      tries.set(key, n);
      // Logged once per address: the bridge may come up a moment later.
      if (n === 1) log(`dns: cannot listen on ${l.gateway}:${opts.port ?? 53} (network ${l.network}) yet: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return n < MAX_TRIES;
    }
  };

  const reconcile = async (): Promise<void> => {
    const want = new Map(stopped ? [] : wanted.map((l) => [keyOf(l), l] as const));
    for (const [key, s] of servers) {
      if (want.has(key)) continue;
      servers.delete(key);
      await s.server.close();
      log(`dns: stopped listening on ${s.server.host}:${s.server.port} (network ${s.network})`);
    }
    for (const key of tries.keys()) if (!want.has(key)) tries.delete(key);
    let again = false;
    for (const [key, l] of want) if (!servers.has(key) && (await listen(l))) again = true;
    if (again && !retry && !stopped) {
      retry = setTimeout(() => {
        retry = null;
        chain = chain.then(reconcile);
      }, opts.retryMs ?? 250);
    }
  };

  return {
    synced(state) {
      if (stopped) return;
      const next = gatewaysOf(state, opts.node);
      const same = next.length === wanted.length && next.every((l, i) => keyOf(l) === keyOf(wanted[i]!));
      wanted = next;
      // A sync that changed nothing still tries, once, an address not bound yet.
      if (same && next.every((l) => servers.has(keyOf(l)))) return;
      chain = chain.then(reconcile);
    },
    addresses: () => wanted.flatMap((l) => {
      const s = servers.get(keyOf(l));
      return s ? [{ network: l.network, host: s.server.host, port: s.server.port }] : [];
    }),
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      chain = chain.then(reconcile);
      await chain;
    },
  };
}
