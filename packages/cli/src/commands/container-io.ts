/**
 * `ovl logs`, `ovl exec`, `ovl inspect`: served by the agent of the container's node over
 * NATS, from any machine that reaches it (inspect adds the container's own events from the
 * history). exec -t puts the local terminal in raw mode and restores it on every way out;
 * the command exits with the remote command's exit code.
 */
import { OvlErrorCodes, parseContainerName } from "@ovl/domain";
import type { Session } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { UsageError, asUsage } from "../errors.js";
import { eventObject } from "./events.js";
import { inspectText } from "./inspect-text.js";

const output = { out: (d: Uint8Array) => void process.stdout.write(d), err: (d: Uint8Array) => void process.stderr.write(d) };

/** Ctrl-C (SIGINT) closes the session instead of killing the process. */
function closeOnSignal(session: Session): () => void {
  const close = () => session.send({ t: "close" });
  process.once("SIGINT", close);
  return () => process.off("SIGINT", close);
}

export async function logsCommand(g: GlobalOptions, rawName: string, opts: { follow?: boolean; tail?: number }): Promise<number> {
  const name = asUsage(() => parseContainerName(rawName));
  return withClient(g, async (client) => {
    const session = await client.logs(name, { follow: opts.follow ?? false, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) }, output);
    const dispose = closeOnSignal(session);
    try {
      await session.done.catch((err: { code?: string }) => {
        if (!(opts.follow && err.code === OvlErrorCodes.Closed)) throw err; // Ctrl-C ends a follow: not a failure
      });
      return 0;
    } finally {
      dispose();
    }
  });
}

export async function execCommand(g: GlobalOptions, rawName: string, cmd: string[], opts: { interactive?: boolean; tty?: boolean }): Promise<number> {
  const name = asUsage(() => parseContainerName(rawName));
  if (cmd.length === 0) throw new UsageError("exec needs a command after --, e.g. ovl exec -it db -- sh");
  const tty = !!opts.tty && process.stdin.isTTY === true;
  return withClient(g, async (client) => {
    const size = tty ? { rows: process.stdout.rows, cols: process.stdout.columns } : {};
    const session = await client.exec(name, cmd, { tty, stdin: !!opts.interactive, ...size }, output);
    const onData = (d: Buffer) => session.send({ t: "in", data: d.toString("base64") });
    const onEnd = () => session.send({ t: "eof" });
    const onResize = () => session.send({ t: "resize", rows: process.stdout.rows, cols: process.stdout.columns });
    if (tty) process.stdin.setRawMode(true);
    if (opts.interactive) process.stdin.on("data", onData).once("end", onEnd);
    if (tty) process.stdout.on("resize", onResize);
    try {
      return (await session.done).exitCode ?? 0;
    } finally {
      if (tty) process.stdin.setRawMode(false);
      process.stdin.off("data", onData).off("end", onEnd).pause();
      process.stdout.off("resize", onResize);
    }
  });
}

export async function inspectCommand(g: GlobalOptions, rawName: string, opts: { json?: boolean } = {}): Promise<number> {
  const name = asUsage(() => parseContainerName(rawName));
  return withClient(g, async (client) => {
    const i = await client.inspect(name);
    await out(opts.json ? `${JSON.stringify({ ...i, events: i.events.map(eventObject) }, null, 2)}\n` : inspectText(i));
    return 0;
  });
}
