/** The check panel (render only): the node-by-node matrix of `ovl check` and each failure's reason. */
import React from "react";
import { Box, Text } from "ink";
import type { CheckViewState } from "./use-check-state.js";

function body(s: CheckViewState): { color?: string; lines: readonly string[] } {
  if (s.phase === "running" || s.phase === "idle") return { lines: ["probing every node pair through the overlay…"] };
  if (s.phase === "failed") return { color: "red", lines: [`check ${s.error}`] };
  return { color: s.ok ? "green" : "red", lines: [`${s.lines[0]} (${(s.tookMs / 1000).toFixed(1)} s)`, ...s.lines.slice(1)] };
}

export function CheckPanel({ state, width, height }: { state: CheckViewState; width: number; height: number }): React.ReactElement {
  const b = body(state);
  const room = Math.max(1, height - 3);
  const shown = b.lines.length > room ? [...b.lines.slice(0, room - 1), `… ${b.lines.length - room + 1} more lines (ovl check shows them all)`] : b.lines;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan">overlay check: c runs it again, Esc closes</Text>
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate" {...(i === 0 && b.color ? { color: b.color } : {})}>{l || " "}</Text>
      ))}
    </Box>
  );
}
