/**
 * What the three views list, derived from the store for the current moment: live, or
 * the past sequence the timeline points at. Memoised on the store's version, so a frame
 * with no news recomputes nothing.
 */
import { useMemo, useRef } from "react";
import { convergenceOf, type ClusterState, type Convergence, type NodeRow, type PsRow } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { containerTable, containersIn, eventList, nodeTable } from "./rows.js";
import type { ClusterStore, Link } from "./store/cluster-store.js";
import type { AppState } from "./use-app-state.js";

export interface ScreenData {
  readonly state: ClusterState;
  readonly nodes: NodeRow[];
  /** Built only while the containers view shows or its filter is set (a busy cluster's 12,800 rows cost each frame): [] otherwise. */
  readonly containers: PsRow[];
  /** How many containers that view lists (its header count), also while `containers` is not built. */
  readonly containerCount: number;
  /** Newest first, up to the moment shown. */
  readonly events: EventItem[];
  /** The sequence shown (the tip while live). */
  readonly upto: number;
  /** Whether every ready node applied the history, over all nodes whatever the filter; null while travelling. */
  readonly convergence: Convergence | null;
  /** The link and the tip as of the same notification as the rows: a frame drawn between a change and its notification (a clock tick, a key) shows them together. */
  readonly link: Link;
  readonly lastSeq: number;
}

export function useScreenData(store: ClusterStore, version: number, travel: number | null, app: Pick<AppState, "view" | "filters">): ScreenData {
  const filters = app.filters;
  const h = store.history;
  const tip = useMemo(() => ({ link: store.link, lastSeq: h.lastSeq }), [store, h, version]);
  const upto = travel ?? tip.lastSeq;
  // While the page of a past sequence is read, the screen keeps what it showed.
  const shown = useRef(h.state);
  const state = useMemo(() => {
    const at = travel === null ? h.state : h.stateAt(travel);
    if (at) shown.current = at;
    return shown.current;
  }, [h, version, travel]);
  const nodes = useMemo(
    () => (travel === null ? nodeTable(state, store.heartbeats, filters.nodes, h.lastSeq) : nodeTable(state, null, filters.nodes)),
    [state, store, version, travel, filters.nodes],
  );
  const listed = app.view === "containers" || filters.containers !== "";
  const containers = useMemo(() => (listed ? containerTable(state, filters.containers) : []), [state, filters.containers, listed]);
  const containerCount = useMemo(() => (listed ? containers.length : containersIn(state)), [listed, containers, state]);
  const events = useMemo(() => eventList(h, upto, filters.events), [h, version, upto, filters.events]);
  const convergence = useMemo(
    () => (travel === null ? convergenceOf(nodeTable(state, store.heartbeats, "", h.lastSeq), h.lastSeq) : null),
    [state, store, version, travel],
  );
  return { state, nodes, containers, containerCount, events, upto, convergence, ...tip };
}

/** Body height left for the view between the header, the time-travel bar and the footer. */
export function bodyHeight(rows: number, travelling: boolean): number {
  const screen = rows - 1; // see use-screen-size.ts: never as tall as the terminal
  return Math.max(3, screen - 1 - 2 - (travelling ? 2 : 0));
}
