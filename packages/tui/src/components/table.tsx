/**
 * A table drawn as pre-formatted lines: one <Text> per row, the selected row in inverse.
 * Shared by the three list views, which only say which cells and colours a row has.
 */
import React from "react";
import { Box, Text } from "ink";
import { fitColumns, formatRow, type Column } from "../format.js";
import { scrollOffset } from "../selection.js";

export interface TableProps<R> {
  readonly columns: readonly Column[];
  readonly rows: readonly R[];
  readonly rowKey: (row: R) => string;
  readonly cells: (row: R) => string[];
  readonly color?: (row: R) => string | undefined;
  readonly selected: number;
  readonly active: boolean;
  readonly width: number;
  readonly height: number;
  /** Shown when there are no rows. */
  readonly empty: string;
}

export function Table<R>(p: TableProps<R>): React.ReactElement {
  const widths = fitColumns(p.columns, p.width);
  const visible = Math.max(0, p.height - 1);
  const offset = scrollOffset(p.selected, visible, p.rows.length);
  const shown = p.rows.slice(offset, offset + visible);
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Text bold wrap="truncate">{formatRow(p.columns.map((c) => c.title), widths)}</Text>
      {shown.length === 0 ? <Text dimColor wrap="truncate">{p.empty}</Text> : null}
      {shown.map((row, i) => {
        const isSelected = offset + i === p.selected;
        const color = p.color?.(row);
        return (
          <Text key={p.rowKey(row)} inverse={isSelected && p.active} bold={isSelected && !p.active} wrap="truncate" {...(color ? { color } : {})}>
            {formatRow(p.cells(row), widths).padEnd(isSelected ? p.width : 0)}
          </Text>
        );
      })}
    </Box>
  );
}
