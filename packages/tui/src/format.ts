/**
 * Pure text helpers for the tables: every row is one pre-formatted string, so a frame is
 * cheap to build and tests can compare exact lines.
 */
import { formatPort, type PortMapping, type StoredEvent } from "@ovl/domain";
import type { EventItem } from "@ovl/client";

export interface Column {
  readonly title: string;
  /** Preferred width in cells. */
  readonly width: number;
  /** Smallest width it may shrink to. @default width */
  readonly min?: number;
  /** Takes the space left over (the last flexible column gets the remainder). */
  readonly flex?: boolean;
}

/** Widths that fill `total` cells: flexible columns grow, then columns shrink toward `min`. */
export function fitColumns(columns: readonly Column[], total: number): number[] {
  const gaps = Math.max(0, columns.length - 1);
  const widths = columns.map((c) => c.width);
  let spare = total - gaps - widths.reduce((a, b) => a + b, 0);
  const flexible = columns.map((c, i) => (c.flex ? i : -1)).filter((i) => i >= 0);
  if (spare > 0 && flexible.length > 0) {
    const share = Math.floor(spare / flexible.length);
    flexible.forEach((i, k) => (widths[i]! += k === flexible.length - 1 ? spare - share * (flexible.length - 1) : share));
    return widths;
  }
  // Too narrow: shrink the widest shrinkable column one cell at a time.
  while (spare < 0) {
    let best = -1;
    widths.forEach((w, i) => {
      if (w > (columns[i]!.min ?? columns[i]!.width) && (best < 0 || w > widths[best]!)) best = i;
    });
    if (best < 0) break;
    widths[best]! -= 1;
    spare += 1;
  }
  return widths;
}

/** Cuts to `width` cells with an ellipsis, or pads with spaces. */
export function cell(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length > width) return width === 1 ? "…" : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

export const formatRow = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => cell(c, widths[i] ?? 0)).join(" ").trimEnd();

export const formatPorts = (ports: readonly PortMapping[]): string => ports.map(formatPort).join(",");

/** "12:03:04" in UTC: the events' times are UTC and so is the screen. */
export const formatClock = (iso: string): string => iso.slice(11, 19);

export const formatSeq = (seq: number): string => seq.toLocaleString("en-US");

/** One line that says what an event means. */
export function summarize(e: StoredEvent): string {
  switch (e.type) {
    case "ClusterCreated":
      return `cluster ${e.data.cidr}, blocks /${e.data.blockPrefix}, vni ${e.data.vni}, mtu ${e.data.mtu}`;
    case "NodeJoined":
      return `${e.data.node} joined from ${e.data.underlayIp}`;
    case "SubnetAssigned":
      return `${e.data.node} got block ${e.data.subnet}${e.data.network ? ` of ${e.data.network}` : ""} (gateway ${e.data.gateway})`;
    case "NodeLeaving":
      return `${e.data.node} is leaving: ${e.data.reason}`;
    case "NodeLeft":
      return `${e.data.node} left: ${e.data.reason}`;
    case "NodeLost":
      return `${e.data.node} lost (last seen ${e.data.lastSeen ?? "never"})`;
    case "NodeRecovered":
      return `${e.data.node} back from ${e.data.underlayIp}, with its block and containers`;
    case "ContainerStarted":
      return `${e.data.name} on ${e.data.node} at ${e.data.ip} (${e.data.origin ? `${e.data.origin}: ` : ""}${e.data.image})`;
    case "ContainerRunning":
      return `${e.data.name} running on ${e.data.node}`;
    case "ContainerFailed":
      return `${e.data.name} failed: ${e.data.reason}`;
    case "ContainerExited":
      return `${e.data.name} exited with code ${e.data.exitCode}`;
    case "ContainerStopped":
      return `${e.data.name} stopped, ${e.data.ip} freed: ${e.data.reason}`;
    case "NetworkCreated":
      return `network ${e.data.network} ${e.data.cidr}, vni ${e.data.vni}${e.data.internal ? ", internal" : ""}`;
    case "NetworkRemoved":
      return `network ${e.data.network} removed`;
    default: {
      const never: never = e;
      return String(never);
    }
  }
}

export const itemSeq = (item: EventItem): number => (item.ok ? item.event.seq : item.seq);
export const itemSubject = (item: EventItem): string => (item.ok ? item.event.subject : item.subject);
