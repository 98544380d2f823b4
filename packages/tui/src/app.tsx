/**
 * The whole screen: header, time-travel bar, the current view (with its detail pane or an
 * overlay), footer. It wires the reducers, the input hooks and the actions together;
 * every view renders from props and owns no subscription (useCluster owns the only one).
 */
import React, { useLayoutEffect, useMemo, useReducer } from "react";
import { Box, useApp } from "ink";
import type { NatsConnection } from "nats";
import { liveCoordinators, versionsLine } from "@ovl/domain";
import { makeActions } from "./actions.js";
import { useCluster, useNow } from "./use-cluster.js";
import { useScreenSize, type Size } from "./use-screen-size.js";
import { appReducer, initialAppState, type Pending } from "./use-app-state.js";
import { useAppInput } from "./use-app.js";
import { bodyHeight, useScreenData } from "./use-screen-data.js";
import type { ClusterStore } from "./store/cluster-store.js";
import { Header } from "./components/header.js";
import { Footer } from "./components/footer.js";
import { TimelineBar } from "./components/timeline/timeline.js";
import { initialTimelineState, timelineReducer } from "./components/timeline/use-timeline-state.js";
import { useTimelineInput } from "./components/timeline/use-timeline.js";
import { useTravelStart } from "./components/timeline/use-travel-start.js";
import { useFilterInput } from "./components/filter/use-filter.js";
import { useHelpInput } from "./components/help/use-help.js";
import { useConfirmInput } from "./components/confirm/use-confirm.js";
import { Body, useSelections, useViewInputs } from "./body.js";
import { RunFormPanel, useRunForm } from "./components/run-form/run-form-panel.js";
import { LogsPane } from "./components/logs/logs.js";
import { useLogsPanel } from "./components/logs/use-logs-panel.js";
import type { OpenLogs } from "./components/logs/use-log-stream.js";
import { CheckPanel } from "./components/check/check.js";
import { useCheck, type RunCheck } from "./components/check/use-check.js";

export interface AppProps {
  /** The connection to follow and act through; null while connecting. */
  readonly nc: NatsConnection | null;
  /** A store to show (tests and benchmarks feed one); @default a new one fed from `nc` */
  readonly store?: ClusterStore;
  /** A fixed screen size (tests); @default the terminal's, followed on resize */
  readonly size?: Size;
  /** A fixed clock (tests); @default Date.now() every second */
  readonly now?: number;
  /** Where a container's logs come from (tests); @default its node's agent over `nc` */
  readonly openLogs?: OpenLogs;
  /** What the check panel runs (tests); @default `ovl check` through `nc` */
  readonly check?: RunCheck;
}

export function App(p: AppProps): React.ReactElement {
  const { exit } = useApp();
  const size = useScreenSize(p.size);
  const now = useNow(1000, p.now);
  const { store, version } = useCluster(p.nc, p.store);
  const [app, dispatch] = useReducer(appReducer, initialAppState);
  const [travel, travelDispatch] = useReducer(timelineReducer, initialTimelineState);
  const travelling = travel.seq !== null;
  const data = useScreenData(store, version, travel.seq, app);
  const sel = useSelections(app.view, data);
  const actions = useMemo(() => makeActions(p.nc, (notice) => dispatch({ type: "notice", notice })), [p.nc]);
  const height = bodyHeight(size.rows, travelling);
  const overlay = app.overlay;
  const form = useRunForm({ active: overlay?.kind === "run", data, actions, close: () => dispatch({ type: "close" }) });
  const logsTarget = overlay?.kind === "logs" ? overlay.target : null;
  const logs = useLogsPanel({ target: logsTarget, nc: p.nc, ...(p.openLogs ? { open: p.openLogs } : {}), state: data.state, height, close: () => dispatch({ type: "close" }) });
  const check = useCheck({ active: overlay?.kind === "check", run: p.check ?? actions.check, onClose: () => dispatch({ type: "close" }) });

  const ask = (pending: Pending | null, what: string) => {
    if (travelling) dispatch({ type: "notice", notice: { tone: "error", text: `viewing the past: press t to return to live, then ${what}` } });
    else if (pending) dispatch({ type: "open", overlay: { kind: "confirm", pending } });
  };
  const travelStart = useTravelStart({ last: () => store.history.lastSeq, travelling, dispatch: travelDispatch });
  useAppInput({
    active: overlay === null,
    travelling,
    dispatch,
    onRun: () => (travelling ? ask(null, "start it") : (form.reset(), dispatch({ type: "open", overlay: { kind: "run" } }))),
    onCheck: () => (check.start(), dispatch({ type: "open", overlay: { kind: "check" } })),
    onTravel: () => travelStart.start(app.view === "events" ? sel.events.selectedSeq : null),
    onStep: travelStart.step,
    onEscape: () => dispatch(app.detail ? { type: "detail" } : app.filters[app.view] ? { type: "filter", text: "" } : { type: "notice", notice: null }),
    onQuit: () => exit(),
  });
  useViewInputs(sel, app.view, {
    active: overlay === null,
    page: Math.max(1, height - 2),
    onLeave: () => ask(sel.nodes.row ? { kind: "leave", node: sel.nodes.row.name } : null, "make it leave"),
    onRemove: () => ask(sel.containers.row ? { kind: "rm", name: sel.containers.row.name } : null, "remove it"),
    onLogs: () => {
      const row = sel.containers.row;
      if (travelling) dispatch({ type: "notice", notice: { tone: "error", text: "viewing the past: press t to return to live, then l for its logs" } });
      else if (row) dispatch({ type: "open", overlay: { kind: "logs", target: { name: row.name, node: row.node } } });
    },
  });
  useTimelineInput({ active: overlay === null && travelling, last: () => store.history.lastSeq, dispatch: travelDispatch });
  // The window of history held follows what the screen looks at: the cursor while
  // travelling, else the event selected in the events view, else live.
  const selectedSeq = app.view === "events" ? sel.events.selectedSeq : null;
  const focus = travel.seq ?? selectedSeq;
  useLayoutEffect(() => store.focusOn(focus), [store, focus]);
  useFilterInput({
    active: overlay?.kind === "filter",
    text: app.filters[app.view],
    onChange: (text) => dispatch({ type: "filter", text }),
    onDone: () => dispatch({ type: "close" }),
  });
  useHelpInput({ active: overlay?.kind === "help", onClose: () => dispatch({ type: "close" }) });
  useConfirmInput({
    active: overlay?.kind === "confirm",
    onAnswer: (yes) => {
      dispatch({ type: "close" });
      if (!yes || overlay?.kind !== "confirm") return;
      const pending = overlay.pending;
      void (pending.kind === "rm" ? actions.rm(pending.name) : actions.leave(pending.node));
    },
  });

  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <Header
        view={app.view}
        counts={{ nodes: data.nodes.length, containers: data.containerCount, events: data.events.length }}
        link={data.link}
        lastSeq={data.lastSeq}
        travelling={travelling}
        width={size.columns}
        {...(data.convergence === null || data.link.phase !== "live" ? {} : { convergence: data.convergence })}
      />
      {travel.seq !== null ? (
        <TimelineBar seq={travel.seq} item={store.history.item(travel.seq)} lastSeq={store.history.lastSeq} width={size.columns} />
      ) : null}
      {overlay?.kind === "run" ? (
        <RunFormPanel form={form} width={size.columns} height={height} />
      ) : logsTarget ? (
        <LogsPane target={logsTarget} state={logs} width={size.columns} height={height} />
      ) : overlay?.kind === "check" ? (
        <CheckPanel state={check.state} width={size.columns} height={height} />
      ) : (
        <Body app={app} sel={sel} data={data} width={size.columns} height={height} now={now} travelling={travelling} />
      )}
      <Footer
        view={app.view}
        notice={app.notice}
        filter={app.filters[app.view]}
        typingFilter={overlay?.kind === "filter"}
        travelling={travelling}
        logs={logsTarget !== null}
        width={size.columns}
        status={travelling ? undefined : versionsLine(liveCoordinators([...store.coordinators.values()], now), data.nodes.map((n) => n.agentVersion))}
      />
    </Box>
  );
}
