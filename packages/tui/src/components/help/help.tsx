/** The help overlay (render only): every key, grouped. The same table feeds docs/tui.md. */
import React from "react";
import { Box, Text } from "ink";

export const KEYS: ReadonlyArray<readonly [group: string, keys: ReadonlyArray<readonly [string, string]>]> = [
  ["Views", [
    ["1 2 3 / Tab", "nodes, containers, events (Shift-Tab: back)"],
    ["↑ ↓ / j k", "select a row"],
    ["PgUp PgDn  Home End / g G", "page, first, last"],
    ["Enter", "detail pane: the selected row's whole JSON"],
    ["/", "filter the list (Enter keeps it, Esc clears it)"],
    ["f", "events: follow the newest event again"],
  ]],
  ["Actions", [
    ["r", "start a container (form)"],
    ["x", "containers: remove the selected container (asks y/n)"],
    ["l", "containers: the selected container's logs, followed live (Esc/q closes)"],
    ["L", "nodes: make the selected node leave (asks y/n)"],
    ["c", "check the overlay: every node pair probed, the matrix (Esc closes)"],
  ]],
  ["Time travel", [
    ["t", "travel to the selected event (events view) or the newest; t again: back to live"],
    ["← →", "one event back / forward"],
    ["[ ]  { }", "100 / 1,000 events back / forward"],
    ["Esc", "back to live"],
  ]],
  ["General", [
    ["?", "this help (any key closes it)"],
    ["q / Ctrl-C", "quit (nothing in the cluster changes)"],
  ]],
];

export function HelpOverlay({ width, height }: { width: number; height: number }): React.ReactElement {
  const keyWidth = 27;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan">ovl keys: any key closes this</Text>
      {KEYS.map(([group, keys]) => (
        <Box key={group} flexDirection="column">
          <Text bold>{group}</Text>
          {keys.map(([k, what]) => (
            <Text key={k} wrap="truncate">{`  ${k.padEnd(keyWidth)}${what}`}</Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
