/**
 * The logs pane's one live stream: a follow session with the container's agent, opened
 * when the pane opens (or is asked to reopen) and closed by the effect's cleanup, that is
 * when the pane closes, the target changes or the container is gone. Output is handed to
 * the reducer at most every FLUSH_MS, so a chatty container costs a few frames a second.
 */
import { useEffect } from "react";
import type { NatsConnection } from "nats";
import { OvlError, OvlErrorCodes } from "@ovl/domain";
import { logsSession, type Session, type SessionOutput } from "@ovl/client";
import { LOG_TAIL, type LogsAction } from "./use-logs-state.js";

export interface LogTarget {
  readonly name: string;
  readonly node: string;
}

/** Opens a following logs session (tests give their own source). */
export type OpenLogs = (target: LogTarget, output: SessionOutput) => Session;

export const FLUSH_MS = 50;

/** An error in the pane: the code the caller may branch on, then the agent's or client's words. */
export const failureText = (err: unknown): string =>
  err instanceof OvlError ? `${err.code}: ${err.message}` : `failed: ${(err as Error)?.message ?? String(err)}`;

/** The shared client's session with the container's node agent, the one `ovl logs -f` opens. */
export const natsLogs = (nc: NatsConnection): OpenLogs => (t, output) => logsSession(nc, t.node, t.name, { follow: true, tail: LOG_TAIL }, output);

export interface LogStreamInput {
  /** null: not connected. */
  readonly open: OpenLogs | null;
  /** null: the pane is closed. */
  readonly target: LogTarget | null;
  /** The container is no longer in the cluster: the stream stops. */
  readonly gone: boolean;
  readonly attempt: number;
  readonly dispatch: (a: LogsAction) => void;
}

/** Opens the stream, hands its output to `dispatch` in batches, and returns what stops it. */
export function followLogs(open: OpenLogs, target: LogTarget, dispatch: (a: LogsAction) => void): () => void {
  let live = true;
  let settled = false;
  const pending: Array<{ stream: "out" | "err"; text: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    for (const p of pending.splice(0)) if (live) dispatch({ type: "data", ...p });
  };
  const decoders = { out: new TextDecoder(), err: new TextDecoder() };
  const take = (stream: "out" | "err") => (d: Uint8Array) => {
    pending.push({ stream, text: decoders[stream].decode(d, { stream: true }) });
    timer ??= setTimeout(flush, FLUSH_MS);
  };
  let session: Session;
  try {
    session = open(target, { out: take("out"), err: take("err") });
  } catch (err) {
    dispatch({ type: "failed", text: failureText(err) });
    return () => undefined;
  }
  const over = (action: LogsAction | null) => {
    settled = true;
    flush();
    if (live && action) dispatch(action);
  };
  session.done.then(
    () => over({ type: "ended", text: `the log stream ended (${target.name} stopped or restarted): l reads it again` }),
    (err: { code?: string }) => over(err.code === OvlErrorCodes.Closed ? null : { type: "failed", text: failureText(err) }),
  );
  return () => {
    live = false;
    clearTimeout(timer);
    if (settled) return;
    try {
      session.send({ t: "close" });
    } catch {
      // The connection is closed: the agent's session times out on its own.
    }
  };
}

export function useLogStream(o: LogStreamInput): void {
  const { open, target, gone, attempt, dispatch } = o;
  const name = target?.name;
  const node = target?.node;
  useEffect(() => {
    if (name === undefined || node === undefined) return undefined;
    // The lines read so far stay on screen when the container goes.
    if (gone) return dispatch({ type: "ended", text: `${name} is no longer in the cluster: its log stream stopped` });
    dispatch({ type: "reset" });
    if (!open) return dispatch({ type: "failed", text: "not connected to NATS yet: wait for the header to say live, then l" });
    return followLogs(open, { name, node }, dispatch);
  }, [open, name, node, gone, attempt, dispatch]);
}
