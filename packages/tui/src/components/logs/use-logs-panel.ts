/**
 * The logs pane wired to the live cluster: its reducer, its stream (closed when the pane
 * closes or the container leaves the cluster, or is there again on another node) and its keys.
 */
import { useMemo, useReducer } from "react";
import type { NatsConnection } from "nats";
import { findContainer, type ClusterState } from "@ovl/domain";
import { logRows } from "./logs.js";
import { initialLogsState, logsReducer, type LogsState } from "./use-logs-state.js";
import { natsLogs, useLogStream, type LogTarget, type OpenLogs } from "./use-log-stream.js";
import { useLogsInput } from "./use-logs.js";

export interface LogsPanelInput {
  /** The container whose logs show; null: the pane is closed. */
  readonly target: LogTarget | null;
  readonly nc: NatsConnection | null;
  /** @default the agent's logs over `nc` */
  readonly open?: OpenLogs;
  /** The live state, to stop when the container goes. */
  readonly state: ClusterState;
  /** The pane's height (rows of the body). */
  readonly height: number;
  readonly close: () => void;
}

export function useLogsPanel(o: LogsPanelInput): LogsState {
  const [state, dispatch] = useReducer(logsReducer, initialLogsState);
  const open = useMemo(() => o.open ?? (o.nc ? natsLogs(o.nc) : null), [o.open, o.nc]);
  const record = o.target ? findContainer(o.state, o.target.name) : undefined;
  const gone = o.target !== null && record?.node !== o.target.node;
  useLogStream({ open, target: o.target, gone, attempt: state.attempt, dispatch });
  const over = state.status.phase === "ended" || state.status.phase === "failed";
  useLogsInput({ active: o.target !== null, height: logRows(o.height), over: over && !gone, dispatch, onClose: o.close });
  return state;
}

