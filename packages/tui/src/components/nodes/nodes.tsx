/** The nodes view (render only): one row per node that has not left. */
import React from "react";
import { age, humanBytes, percent, type NodeRow } from "@ovl/domain";
import type { Column } from "../../format.js";
import { Table } from "../table.js";

export const NODE_COLUMNS: readonly Column[] = [
  { title: "NAME", width: 12, min: 6, flex: true },
  { title: "LAN ADDRESS", width: 15, min: 13 },
  { title: "BLOCK", width: 18, min: 14, flex: true },
  { title: "STATUS", width: 7 },
  // How the node reaches its peers ("direct", "vxlan", or a mix naming the VXLAN ones): grows with the screen.
  { title: "PATH", width: 6, flex: true },
  { title: "CPU", width: 4 },
  { title: "MEM FREE", width: 9, min: 8 },
  { title: "CTRS", width: 4 },
  { title: "HB AGE", width: 6 },
  { title: "LAG", width: 5, min: 3 },
];

const STATUS_COLOR: Record<string, string | undefined> = { ready: undefined, leaving: "yellow", lost: "red", left: "gray" };

export interface NodesViewProps {
  readonly rows: readonly NodeRow[];
  readonly selected: number;
  readonly active: boolean;
  readonly width: number;
  readonly height: number;
  /** Now, for heartbeat ages. */
  readonly now: number;
  /** Showing a past state: metrics are not history and show as "-". */
  readonly past: boolean;
}

export function nodeCells(n: NodeRow, now: number, past: boolean): string[] {
  return [
    n.name,
    n.ip,
    n.subnet ?? "-",
    n.status,
    n.path ?? "-",
    past ? "-" : percent(n.cpu),
    past ? "-" : humanBytes(n.memFree),
    String(n.containers),
    past ? "-" : age(n.lastSeen, now),
    past || n.lag === null ? "-" : String(n.lag),
  ];
}

export function NodesView(p: NodesViewProps): React.ReactElement {
  return (
    <Table
      columns={NODE_COLUMNS}
      rows={p.rows}
      rowKey={(n) => n.name}
      cells={(n) => nodeCells(n, p.now, p.past)}
      color={(n) => STATUS_COLOR[n.status]}
      selected={p.selected}
      active={p.active}
      width={p.width}
      height={p.height}
      empty={p.past ? "  no node had joined yet at this point" : "  no nodes: start an agent with `ovl agent --nats <url>`"}
    />
  );
}
