/** @ovl/tui: the full-screen terminal UI. `openTui` for the CLI; the parts for tests and benchmarks. */
import "./production.js";
export { openTui, type OpenTuiOptions } from "./open.js";
export { App, type AppProps } from "./app.js";
export { ClusterStore, FRAME_MS, type Link, type LinkPhase } from "./store/cluster-store.js";
export { History, MAX_PAGES, PAGE_EVENTS, type Segment } from "./store/history.js";
export { planLoad, dropSide, alignDown, type LoadPlan, type WindowView } from "./store/window-plan.js";
export { startFeed, type Feed } from "./store/feed.js";
export { historyPager, type PageRequest, type Pager, type ReadShape } from "./store/pager.js";
export { SegmentBuilder } from "./store/segment.js";
export { useCluster, type ClusterView } from "./use-cluster.js";
export { ENTER_ALT, LEAVE_ALT, enterAltScreen } from "./screen.js";
export { appReducer, initialAppState, type AppAction, type AppState, type ViewName } from "./use-app-state.js";
export { Header, convergenceText, linkText } from "./components/header.js";
export { NodesView, nodeCells, NODE_COLUMNS } from "./components/nodes/nodes.js";
export { listReducer, initialListState } from "./components/list/use-list-state.js";
export { ContainersView, containerCells, CONTAINER_COLUMNS } from "./components/containers/containers.js";
export { EventsView, eventCells, EVENT_COLUMNS } from "./components/events/events.js";
export { eventsReducer, initialEventsState } from "./components/events/use-events-state.js";
export { DetailPane, detailLines } from "./components/detail/detail.js";
export { HelpOverlay, KEYS } from "./components/help/help.js";
export { RunForm } from "./components/run-form/run-form.js";
export {
  initialRunForm,
  parsePortList,
  runFormReducer,
  splitCommand,
  validateRunForm,
  visibleError,
  type RunFormState,
} from "./components/run-form/use-run-form-state.js";
export { LogsPane, logsTitle } from "./components/logs/logs.js";
export { LOG_KEEP, LOG_TAIL, cleanLine, initialLogsState, logsReducer, visibleLines, type LogsAction, type LogsState } from "./components/logs/use-logs-state.js";
export { natsLogs, type LogTarget, type OpenLogs } from "./components/logs/use-log-stream.js";
export { useLogsPanel, type LogsPanelInput } from "./components/logs/use-logs-panel.js";
export { TimelineBar, timelineText, track } from "./components/timeline/timeline.js";
export { timelineReducer, initialTimelineState } from "./components/timeline/use-timeline-state.js";
export { fitColumns, formatRow, summarize } from "./format.js";
export { matchesFilter, moveSelection, scrollOffset } from "./selection.js";
export { type RunCheck } from "./components/check/use-check.js";
