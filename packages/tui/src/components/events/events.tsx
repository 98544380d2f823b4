/** The events view (render only): the history newest first, one line per event. */
import React from "react";
import type { EventItem } from "@ovl/client";
import { formatClock, summarize, type Column } from "../../format.js";
import { Table } from "../table.js";

export const EVENT_COLUMNS: readonly Column[] = [
  { title: "SEQ", width: 6 },
  { title: "TIME", width: 8 },
  { title: "TYPE", width: 16, min: 12 },
  { title: "SUBJECT", width: 22, min: 10, flex: true },
  { title: "SUMMARY", width: 30, min: 12, flex: true },
];

const TYPE_COLOR: Record<string, string> = {
  ContainerFailed: "red",
  NodeLost: "red",
  NodeRecovered: "green",
  ContainerStopped: "gray",
  NodeLeft: "gray",
  NodeLeaving: "yellow",
  ContainerRunning: "green",
};

export interface EventsViewProps {
  /** The visible window is cut from these: newest first. */
  readonly items: readonly EventItem[];
  readonly selected: number;
  readonly active: boolean;
  readonly width: number;
  readonly height: number;
}

export function eventCells(item: EventItem): string[] {
  if (!item.ok) return [String(item.seq), "", "(invalid)", item.subject, item.error];
  const e = item.event;
  return [String(e.seq), formatClock(e.time), e.type, e.subject, summarize(e)];
}

export function EventsView(p: EventsViewProps): React.ReactElement {
  return (
    <Table
      columns={EVENT_COLUMNS}
      rows={p.items}
      rowKey={(i) => String(i.ok ? i.event.seq : i.seq)}
      cells={eventCells}
      color={(i) => (i.ok ? TYPE_COLOR[i.event.type] : "red")}
      selected={p.selected}
      active={p.active}
      width={p.width}
      height={p.height}
      empty="  no events yet"
    />
  );
}
