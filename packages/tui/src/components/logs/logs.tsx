/** The logs pane (render only): a title line, the lines that fit, and where the stream stands. */
import React from "react";
import { Box, Text } from "ink";
import { maxBack, visibleLines, type LogsState } from "./use-logs-state.js";
import type { LogTarget } from "./use-log-stream.js";

/** The title line: whose logs, how many lines held, following or how far back. */
export function logsTitle(target: LogTarget, state: LogsState, height: number): string {
  const back = Math.min(state.back, maxBack(state.lines.length, height));
  const where = back > 0 ? `${back} lines back (G: newest)` : state.status.phase === "following" ? "following" : "";
  return [`logs of ${target.name} on ${target.node}`, `${state.lines.length} lines`, where].filter(Boolean).join(" · ");
}

function StatusLine({ state, target }: { state: LogsState; target: LogTarget }): React.ReactElement {
  const s = state.status;
  if (s.phase === "failed") return <Text color="red" wrap="truncate">{`✘ ${s.text}`}</Text>;
  if (s.phase === "ended") return <Text color="yellow" wrap="truncate">{`■ ${s.text}`}</Text>;
  if (s.phase === "opening") return <Text color="cyan" wrap="truncate">{`… asking the agent of ${target.node} for ${target.name}'s logs`}</Text>;
  return <Text dimColor wrap="truncate">{state.lines.length ? " " : "(nothing logged yet: new lines show here as they come)"}</Text>;
}

export interface LogsPaneProps {
  readonly target: LogTarget;
  readonly state: LogsState;
  readonly width: number;
  /** The whole pane, its title and status lines included. */
  readonly height: number;
}

/** Lines of log a pane of `height` shows. */
export const logRows = (height: number): number => Math.max(1, height - 2);

export function LogsPane({ target, state, width, height }: LogsPaneProps): React.ReactElement {
  const rows = logRows(height);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color="cyan" bold wrap="truncate">{logsTitle(target, state, rows)}</Text>
      <Box flexDirection="column" height={rows}>
        {visibleLines(state, rows).map((line, i) => (
          <Text key={i} wrap="truncate" {...(line.err ? { color: "yellow" } : {})}>{line.text === "" ? " " : line.text}</Text>
        ))}
      </Box>
      <StatusLine state={state} target={target} />
    </Box>
  );
}
