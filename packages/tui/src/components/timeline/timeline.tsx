/**
 * The time-travel bar (render only): where in history the screen is, what happened at
 * that event, and a track from the first event to now.
 */
import React from "react";
import { Box, Text } from "ink";
import type { EventItem } from "@ovl/client";
import { formatSeq, itemSeq, summarize } from "../../format.js";

export interface TimelineProps {
  readonly item: EventItem;
  readonly index: number;
  readonly length: number;
  readonly lastSeq: number;
  readonly width: number;
}

/** "├━━━━━●──────┤": the cursor's place between the first event and the newest. */
export function track(index: number, length: number, width: number): string {
  const inner = Math.max(3, width - 2);
  const at = length <= 1 ? inner - 1 : Math.round((index / (length - 1)) * (inner - 1));
  return `├${"━".repeat(at)}●${"─".repeat(inner - 1 - at)}┤`;
}

export function timelineText(item: EventItem, lastSeq: number): string {
  const seq = itemSeq(item);
  const what = item.ok ? `${item.event.time.replace("T", " ").slice(0, 19)}  ${item.event.type}: ${summarize(item.event)}` : `invalid event: ${item.error}`;
  const behind = lastSeq - seq;
  return `◀ TIME TRAVEL  seq ${formatSeq(seq)} of ${formatSeq(lastSeq)} (${formatSeq(behind)} behind live)  ${what}`;
}

export function TimelineBar(p: TimelineProps): React.ReactElement {
  return (
    <Box flexDirection="column" width={p.width}>
      <Text backgroundColor="magenta" color="white" bold wrap="truncate">
        {timelineText(p.item, p.lastSeq).padEnd(p.width)}
      </Text>
      <Text color="magenta" wrap="truncate">
        {track(p.index, p.length, p.width)}
      </Text>
    </Box>
  );
}
