/**
 * The time-travel bar (render only): where in history the screen is, what happened at
 * that event, and a track from the first event to now.
 */
import React from "react";
import { Box, Text } from "ink";
import type { EventItem } from "@ovl/client";
import { formatSeq, itemSeq, summarize } from "../../format.js";

export interface TimelineProps {
  readonly seq: number;
  /** The event at `seq`; undefined while its page is being read. */
  readonly item: EventItem | undefined;
  readonly lastSeq: number;
  readonly width: number;
}

/** "├━━━━━●──────┤": the cursor's place between the first event and the newest. */
export function track(index: number, length: number, width: number): string {
  const inner = Math.max(3, width - 2);
  const at = length <= 1 ? inner - 1 : Math.round((index / (length - 1)) * (inner - 1));
  return `├${"━".repeat(at)}●${"─".repeat(inner - 1 - at)}┤`;
}

export function timelineText(seq: number, item: EventItem | undefined, lastSeq: number): string {
  const what = !item || itemSeq(item) !== seq ? "reading this part of the history…" : item.ok ? `${item.event.time.replace("T", " ").slice(0, 19)}  ${item.event.type}: ${summarize(item.event)}` : `invalid event: ${item.error}`;
  const behind = lastSeq - seq;
  return `◀ TIME TRAVEL  seq ${formatSeq(seq)} of ${formatSeq(lastSeq)} (${formatSeq(behind)} behind live)  ${what}`;
}

export function TimelineBar(p: TimelineProps): React.ReactElement {
  return (
    <Box flexDirection="column" width={p.width}>
      <Text backgroundColor="magenta" color="white" bold wrap="truncate">
        {timelineText(p.seq, p.item, p.lastSeq).padEnd(p.width)}
      </Text>
      <Text color="magenta" wrap="truncate">
        {track(p.seq - 1, p.lastSeq, p.width)}
      </Text>
    </Box>
  );
}
