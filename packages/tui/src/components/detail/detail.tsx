/** The detail pane (render only): the selected row's whole JSON, cut to the pane. */
import React from "react";
import { Box, Text } from "ink";

export interface DetailProps {
  readonly title: string;
  readonly value: unknown;
  readonly width: number;
  readonly height: number;
}

/** The lines shown: pretty JSON, the last line saying how much did not fit. */
export function detailLines(value: unknown, height: number): string[] {
  const lines = value === undefined ? ["(nothing selected)"] : JSON.stringify(value, null, 2).split("\n");
  if (lines.length <= height) return lines;
  return [...lines.slice(0, Math.max(0, height - 1)), `… ${lines.length - height + 1} more lines`];
}

export function DetailPane(p: DetailProps): React.ReactElement {
  const inner = Math.max(1, p.height - 3);
  return (
    <Box flexDirection="column" width={p.width} height={p.height} borderStyle="single" borderColor="cyan" paddingX={1}>
      <Text color="cyan" bold wrap="truncate">{p.title}</Text>
      {detailLines(p.value, inner).map((line, i) => (
        <Text key={i} wrap="truncate">{line}</Text>
      ))}
    </Box>
  );
}
