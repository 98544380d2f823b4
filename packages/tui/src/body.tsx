/**
 * The body of the screen: the current view's table, its detail pane, the help overlay or
 * a confirmation. Also the three views' selection reducers and their input hooks, wired
 * to the rows the screen shows.
 */
import React, { useReducer } from "react";
import { Box } from "ink";
import type { NodeRow, PsRow } from "@ovl/domain";
import type { EventItem } from "@ovl/client";
import { itemSeq } from "./format.js";
import type { AppState, ViewName } from "./use-app-state.js";
import type { ScreenData } from "./use-screen-data.js";
import { initialListState, listReducer, type ListAction } from "./components/list/use-list-state.js";
import { useListInput } from "./components/list/use-list.js";
import { NodesView } from "./components/nodes/nodes.js";
import { ContainersView } from "./components/containers/containers.js";
import { EventsView } from "./components/events/events.js";
import { eventsReducer, initialEventsState, type EventsAction } from "./components/events/use-events-state.js";
import { useEventsInput } from "./components/events/use-events.js";
import { DetailPane } from "./components/detail/detail.js";
import { HelpOverlay } from "./components/help/help.js";
import { ConfirmDialog } from "./components/confirm/confirm.js";

interface Selected<R, A> {
  /** The rows' keys, built only when a key press needs them (20,000 events: no per-frame cost). */
  readonly keys: () => string[];
  readonly index: number;
  readonly row: R | undefined;
  readonly dispatch: (a: A) => void;
}
export interface Selections {
  readonly nodes: Selected<NodeRow, ListAction>;
  readonly containers: Selected<PsRow, ListAction>;
  readonly events: Selected<EventItem, EventsAction> & { readonly selectedSeq: number | null };
}

function selected<R, A>(rows: readonly R[], keyOf: (r: R) => string, key: string | null, dispatch: (a: A) => void): Selected<R, A> {
  const index = key === null ? 0 : Math.max(0, rows.findIndex((r) => keyOf(r) === key));
  return { keys: () => rows.map(keyOf), index, row: rows[index], dispatch };
}

const seqKey = (e: EventItem) => String(itemSeq(e));

export function useSelections(_view: ViewName, data: ScreenData): Selections {
  const [nodes, nodesDispatch] = useReducer(listReducer, initialListState);
  const [containers, containersDispatch] = useReducer(listReducer, initialListState);
  const [events, eventsDispatch] = useReducer(eventsReducer, initialEventsState);
  const ev = selected(data.events, seqKey, events.follow || events.selected === null ? null : String(events.selected), eventsDispatch);
  return {
    nodes: selected(data.nodes, (n) => n.name, nodes.selected, nodesDispatch),
    containers: selected(data.containers, (c) => c.name, containers.selected, containersDispatch),
    // Following, the selection is "the newest", not an event: the window's newest held would
    // otherwise pin the focus to it, and a window left far back by a travel would stay there.
    events: { ...ev, selectedSeq: events.follow || !ev.row ? null : itemSeq(ev.row) },
  };
}

export interface ViewActions {
  readonly active: boolean;
  readonly page: number;
  readonly onLeave: () => void;
  readonly onRemove: () => void;
  readonly onLogs: () => void;
}

export function useViewInputs(sel: Selections, view: ViewName, o: ViewActions): void {
  useListInput({ active: o.active && view === "nodes", keys: sel.nodes.keys, page: o.page, dispatch: sel.nodes.dispatch, actions: { L: o.onLeave } });
  useListInput({ active: o.active && view === "containers", keys: sel.containers.keys, page: o.page, dispatch: sel.containers.dispatch, actions: { x: o.onRemove, l: o.onLogs } });
  useEventsInput({ active: o.active && view === "events", keys: sel.events.keys, page: o.page, dispatch: sel.events.dispatch });
}

export interface BodyProps {
  readonly app: AppState;
  readonly sel: Selections;
  readonly data: ScreenData;
  readonly width: number;
  readonly height: number;
  readonly now: number;
  readonly travelling: boolean;
}

function detailOf(view: ViewName, sel: Selections): { title: string; value: unknown } {
  if (view === "nodes") return { title: `node ${sel.nodes.row?.name ?? ""}`, value: sel.nodes.row };
  if (view === "containers") return { title: `container ${sel.containers.row?.name ?? ""}`, value: sel.containers.row };
  const item = sel.events.row;
  return { title: `event seq ${item ? itemSeq(item) : ""}`, value: item ? (item.ok ? item.event : item) : undefined };
}

function ViewTable({ view, sel, data, width, height, now, travelling, active }: BodyProps & { view: ViewName; active: boolean }): React.ReactElement {
  if (view === "nodes") return <NodesView rows={data.nodes} selected={sel.nodes.index} active={active} width={width} height={height} now={now} past={travelling} />;
  if (view === "containers") return <ContainersView rows={data.containers} selected={sel.containers.index} active={active} width={width} height={height} past={travelling} />;
  return <EventsView items={data.events} selected={sel.events.index} active={active} width={width} height={height} />;
}

export function Body(p: BodyProps): React.ReactElement {
  const { app, width, height } = p;
  if (app.overlay?.kind === "help") return <HelpOverlay width={width} height={height} />;
  const confirm = app.overlay?.kind === "confirm" ? app.overlay.pending : null;
  const tableHeight = confirm ? Math.max(2, height - 4) : height;
  const split = app.detail && width >= 100;
  const tableWidth = split ? Math.floor(width * 0.55) : width;
  const detail = app.detail ? detailOf(app.view, p.sel) : null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {confirm ? <ConfirmDialog pending={confirm} width={width} /> : null}
      <Box width={width} height={tableHeight}>
        {detail && !split ? null : <ViewTable {...p} view={app.view} active={!confirm} width={tableWidth} height={tableHeight} />}
        {detail ? (
          <Box marginLeft={split ? 1 : 0}>
            <DetailPane title={detail.title} value={detail.value} width={width - (split ? tableWidth + 1 : 0)} height={tableHeight} />
          </Box>
        ) : null}
      </Box>
    </Box>
  );
}
