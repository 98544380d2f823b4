/**
 * The one hook that owns the live subscription: it starts the feed for `nc` into the
 * store and stops it on unmount (the cleanup returned from useEffect), and re-renders
 * its component once per store notification (at most 20 per second), never per event.
 */
import { useEffect, useState, useSyncExternalStore } from "react";
import type { NatsConnection } from "nats";
import { ClusterStore } from "./store/cluster-store.js";
import { startFeed } from "./store/feed.js";

export interface ClusterView {
  readonly store: ClusterStore;
  /** Changes whenever the store has news; use it as a memo key. */
  readonly version: number;
}

export function useCluster(nc: NatsConnection | null, given?: ClusterStore): ClusterView {
  const [store] = useState(() => given ?? new ClusterStore());
  useEffect(() => {
    if (!nc) return undefined;
    const feed = startFeed(nc, store);
    return () => {
      void feed.stop();
    };
  }, [nc, store]);
  useEffect(() => () => store.dispose(), [store]);
  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  return { store, version };
}

/** The current time, refreshed every `everyMs` (heartbeat ages). @default 1000 */
export function useNow(everyMs = 1000, fixed?: number): number {
  const [now, setNow] = useState(() => fixed ?? Date.now());
  useEffect(() => {
    if (fixed !== undefined) return undefined;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs, fixed]);
  return fixed ?? now;
}
