/** The top line (render only): the tabs with their counts and the state of the link. */
import React from "react";
import { Box, Text } from "ink";
import type { Convergence } from "@ovl/domain";
import { formatSeq } from "../format.js";
import type { Link } from "../store/cluster-store.js";
import { VIEWS, type ViewName } from "../use-app-state.js";

const TITLES: Record<ViewName, string> = { nodes: "Nodes", containers: "Containers", events: "Events" };

export interface HeaderProps {
  readonly view: ViewName;
  readonly counts: Readonly<Record<ViewName, number>>;
  readonly link: Link;
  readonly lastSeq: number;
  readonly travelling: boolean;
  readonly width: number;
  /** Whether every ready node applied the history (live only; absent while travelling). */
  readonly convergence?: Convergence;
}

/** Nodes named in the header before the rest is counted ("+61"): the header has one line. */
export const BEHIND_NAMED = 2;

/** "✓ converged" or the nodes behind, short: the header has one line. */
export function convergenceText(c: Convergence): { text: string; color: string } {
  if (c.converged) return { text: "✓ converged", color: "green" };
  const names = c.behind.slice(0, BEHIND_NAMED).map((n) => (n.lag === null ? `${n.name}?` : `${n.name} -${n.lag}`));
  const more = c.behind.length - names.length;
  return { text: `≠ behind: ${names.join(" ")}${more > 0 ? ` +${more}` : ""}`, color: "yellow" };
}

export function linkText(link: Link, lastSeq: number): { text: string; color: string } {
  switch (link.phase) {
    case "connecting":
      return { text: `◌ connecting to NATS${link.detail ? ` ${link.detail}` : ""}…`, color: "yellow" };
    case "loading":
      return { text: `◐ ${link.detail || "loading history"} · seq ${formatSeq(lastSeq)}`, color: "yellow" };
    case "live":
      return { text: `● live · seq ${formatSeq(lastSeq)}`, color: "green" };
    case "down":
      return { text: `✘ ${link.detail || "NATS unreachable"} · held seq ${formatSeq(lastSeq)}`, color: "red" };
  }
}

export function Header(p: HeaderProps): React.ReactElement {
  const link = linkText(p.link, p.lastSeq);
  const conv = p.convergence ? convergenceText(p.convergence) : null;
  return (
    <Box width={p.width}>
      <Text bold backgroundColor={p.travelling ? "magenta" : "blue"} color="white">{" ovl "}</Text>
      {VIEWS.map((v, i) => (
        <Text key={v} inverse={p.view === v} bold={p.view === v}>{` ${i + 1} ${TITLES[v]} ${formatSeq(p.counts[v])} `}</Text>
      ))}
      <Box flexGrow={1} justifyContent="flex-end">
        {conv ? <Text color={conv.color} wrap="truncate-start">{`${conv.text} · `}</Text> : null}
        <Box flexShrink={0}>
          <Text color={link.color}>{link.text}</Text>
        </Box>
      </Box>
    </Box>
  );
}
