/**
 * logs, exec and inspect of a container, from anywhere: its node is looked up in `ps`
 * (the coordinators' projection), then its agent is asked directly (agent-session.ts).
 */
import type { NatsConnection } from "nats";
import { OvlError, OvlErrorCodes, type PsRow, type StoredEvent } from "@ovl/domain";
import { openSession, type Session, type SessionOutput } from "./agent-session.js";
import { containerEvents } from "./container-events.js";

export interface LogsOptions {
  readonly follow?: boolean;
  /** Lines from the end; all when absent. */
  readonly tail?: number;
}
export interface ExecOptions {
  readonly tty?: boolean;
  readonly stdin?: boolean;
  readonly rows?: number;
  readonly cols?: number;
}

export async function nodeOf(ps: () => Promise<PsRow[]>, name: string): Promise<string> {
  const row = (await ps()).find((r) => r.name === name);
  if (!row) throw new OvlError(OvlErrorCodes.ContainerNotFound, `no container named ${name} (see \`ovl ps\`)`);
  return row.node;
}

export const logsSession = (nc: NatsConnection, node: string, name: string, o: LogsOptions, output: SessionOutput): Session =>
  openSession(nc, node, "logs", { name, follow: o.follow ?? false, ...(o.tail !== undefined ? { tail: o.tail } : {}) }, output);

export const execSession = (nc: NatsConnection, node: string, name: string, cmd: readonly string[], o: ExecOptions, output: SessionOutput): Session =>
  openSession(nc, node, "exec", { name, cmd: [...cmd], tty: o.tty ?? false, stdin: o.stdin ?? false, ...(o.rows && o.cols ? { rows: o.rows, cols: o.cols } : {}) }, output);

/** Docker's inspect of the container, from its node. */
export async function inspectOnNode(nc: NatsConnection, node: string, name: string): Promise<unknown> {
  const parts: Uint8Array[] = [];
  await openSession(nc, node, "inspect", { name }, { out: (d) => void parts.push(d), err: () => undefined }).done;
  return JSON.parse(Buffer.concat(parts).toString("utf8")) as unknown;
}

export interface ContainerInspect {
  readonly name: string;
  readonly node: string;
  /** Docker's inspect, as its node's dockerd gives it. */
  readonly docker: unknown;
  /** Its own events of its current life, oldest first (container-events.ts). */
  readonly events: readonly StoredEvent[];
}

/** Docker's view from the container's node, with its own events from the history (read at once). */
export async function inspectContainer(nc: NatsConnection, node: string, name: string): Promise<ContainerInspect> {
  const [docker, events] = await Promise.all([inspectOnNode(nc, node, name), containerEvents(nc, node, name)]);
  return { name, node, docker, events };
}
