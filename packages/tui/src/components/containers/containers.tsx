/** The containers view (render only): one row per container of the cluster. */
import React from "react";
import { rowAttachments, type PsRow } from "@ovl/domain";
import { formatPorts, type Column } from "../../format.js";
import { Table } from "../table.js";

export const CONTAINER_COLUMNS: readonly Column[] = [
  { title: "NAME", width: 14, min: 8, flex: true },
  { title: "NODE", width: 10, min: 8 },
  { title: "ADDRESS", width: 15, min: 12 },
  { title: "NETWORK", width: 8, min: 3, flex: true },
  { title: "IMAGE", width: 14, min: 8, flex: true },
  { title: "STATE", width: 7 },
  { title: "PORTS", width: 12, min: 5, flex: true },
];

const STATE_COLOR: Record<string, string | undefined> = { running: "green", pending: "yellow", failed: "red", lost: "red", exited: "gray" };

export interface ContainersViewProps {
  readonly rows: readonly PsRow[];
  readonly selected: number;
  readonly active: boolean;
  readonly width: number;
  readonly height: number;
  readonly past: boolean;
}

/** The image, marked with where the container came from when not `ovl run` (`docker run --network ovl`, Compose). */
export const imageCell = (c: Pick<PsRow, "image" | "origin">): string => (c.origin ? `${c.origin}: ${c.image}` : c.image);

/**
 * Its first network's address, marked `+N` when it has N more (a column of full lists would
 * crowd out the rest; the detail pane lists every address), and all its networks.
 */
export function containerCells(c: PsRow): string[] {
  const on = rowAttachments(c);
  const address = on.length > 1 ? `${c.ip} +${on.length - 1}` : c.ip;
  return [c.name, c.node, address, on.map((a) => a.network).join(","), imageCell(c), c.state, formatPorts(c.ports) || "-"];
}

export function ContainersView(p: ContainersViewProps): React.ReactElement {
  return (
    <Table
      columns={CONTAINER_COLUMNS}
      rows={p.rows}
      rowKey={(c) => c.name}
      cells={containerCells}
      color={(c) => STATE_COLOR[c.state]}
      selected={p.selected}
      active={p.active}
      width={p.width}
      height={p.height}
      empty={p.past ? "  no containers at this point in history" : "  no containers: press r to start one"}
    />
  );
}
