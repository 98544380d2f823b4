/** The two bottom lines (render only): the last notice (or the filter being typed) and the keys. */
import React from "react";
import { Box, Text } from "ink";
import type { Notice, ViewName } from "../use-app-state.js";
import { FilterLine } from "./filter/filter.js";

const TONE: Record<Notice["tone"], { mark: string; color: string }> = {
  ok: { mark: "✔", color: "green" },
  error: { mark: "✘", color: "red" },
  info: { mark: "…", color: "cyan" },
};

export function keyHints(view: ViewName, travelling: boolean, logs = false): string {
  // Each fits in 80 columns.
  if (logs) return "↑ ↓ PgUp PgDn scroll  g G oldest/newest  l again (once ended)  Esc/q close";
  if (travelling) return "← → step  [ ] ±100  { } ±1000  t/Esc back to live  Enter detail  ? help  q quit";
  const own = view === "containers" ? "l logs  x rm  " : view === "nodes" ? "L leave  " : "f follow  ";
  return `? help  r run  ${own}t travel  / filter  Enter detail  1-3 views  q quit`;
}

export interface FooterProps {
  readonly view: ViewName;
  readonly notice: Notice | null;
  readonly filter: string;
  readonly typingFilter: boolean;
  readonly travelling: boolean;
  /** The logs pane is open: its keys. @default false */
  readonly logs?: boolean;
  readonly width: number;
  /** Shown when nothing else is: which code the coordinators and agents run. */
  readonly status?: string;
}

export function Footer(p: FooterProps): React.ReactElement {
  const tone = p.notice ? TONE[p.notice.tone] : null;
  let top: React.ReactElement;
  if (p.typingFilter) top = <FilterLine text={p.filter} view={p.view} />;
  else if (p.notice && tone) top = <Text color={tone.color} wrap="truncate">{`${tone.mark} ${p.notice.text}`}</Text>;
  else if (p.filter) top = <Text color="cyan" wrap="truncate">{`filter: ${p.filter}  (/ to change, Esc to clear)`}</Text>;
  else if (p.status) top = <Text dimColor wrap="truncate">{p.status}</Text>;
  else top = <Text> </Text>;
  return (
    <Box flexDirection="column" width={p.width}>
      {top}
      <Text dimColor wrap="truncate">{keyHints(p.view, p.travelling, p.logs)}</Text>
    </Box>
  );
}
