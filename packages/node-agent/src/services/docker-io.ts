/**
 * What a session reads from Docker: a container's logs, an exec (hijacked stream, TTY or
 * not) and its inspect. The container must be ovl's, of this node, by its labels. A
 * stream is paused while the session waits for acks, so a slow client slows Docker's read.
 */
import type { Readable, Duplex } from "node:stream";
import type Dockerode from "dockerode";
import { OvlError, OvlErrorCodes, encodeJson, type AgentRequest } from "@ovl/domain";
import { dockerNameFor, ownedBy } from "../docker/labels.js";
import { statusOf } from "../docker/status.js";
import { Demuxer } from "./demux.js";
import type { AgentSession } from "./session.js";

async function ownContainer(docker: Dockerode, node: string, name: string): Promise<{ c: Dockerode.Container; info: Dockerode.ContainerInspectInfo }> {
  const c = docker.getContainer(dockerNameFor(name));
  const info = await c.inspect().catch((err: unknown) => {
    if (statusOf(err) === 404) return null;
    throw err;
  });
  const owned = info ? ownedBy(info.Config.Labels) : null;
  if (!info || !owned || owned.node !== node || owned.name !== name) {
    throw new OvlError(OvlErrorCodes.ContainerNotFound, `node ${node} has no container ${name} (see \`ovl ps --node ${node}\`)`);
  }
  return { c, info };
}

/** Feeds a stream into the session until either ends; `raw`: not multiplexed (a TTY). */
function pump(stream: Readable, session: AgentSession, raw: boolean): Promise<void> {
  const demux = new Demuxer();
  session.onEnd = () => stream.destroy();
  return new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => {
      const frames = raw ? [{ stream: "out" as const, data: chunk }] : demux.push(chunk);
      if (frames.length === 0) return;
      stream.pause();
      void (async () => {
        for (const f of frames) await session.send(f.stream, f.data);
        if (!session.closed) stream.resume();
      })().catch(reject);
    });
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
}

export async function serveLogs(docker: Dockerode, node: string, req: AgentRequest<"logs">, session: AgentSession): Promise<void> {
  const { c } = await ownContainer(docker, node, req.name);
  // Docker takes "all" too; the typings only a number.
  const tail = (req.tail ?? "all") as number;
  if (!req.follow) {
    const buf = (await c.logs({ follow: false, stdout: true, stderr: true, tail })) as unknown as Buffer;
    for (const f of new Demuxer().push(Buffer.from(buf))) await session.send(f.stream, f.data);
  } else {
    const stream = (await c.logs({ follow: true, stdout: true, stderr: true, tail })) as unknown as Readable;
    session.opened();
    await pump(stream, session, false);
  }
  session.end({});
}

export async function serveInspect(docker: Dockerode, node: string, req: AgentRequest<"inspect">, session: AgentSession): Promise<void> {
  const { info } = await ownContainer(docker, node, req.name);
  await session.send("out", encodeJson(info));
  session.end({});
}

export async function serveExec(docker: Dockerode, node: string, req: AgentRequest<"exec">, session: AgentSession): Promise<void> {
  const { c } = await ownContainer(docker, node, req.name);
  const ex = await c.exec({ Cmd: [...req.cmd], AttachStdin: req.stdin, AttachStdout: true, AttachStderr: true, Tty: req.tty });
  const stream = (await ex.start({ hijack: true, stdin: req.stdin, Tty: req.tty })) as unknown as Duplex;
  const resize = (rows: number, cols: number) => void ex.resize({ h: rows, w: cols }).catch(() => undefined);
  if (req.tty && req.rows && req.cols) resize(req.rows, req.cols);
  session.onControl((ctl) => {
    if (ctl.t === "in") stream.write(Buffer.from(ctl.data, "base64"));
    else if (ctl.t === "eof") stream.end();
    else if (ctl.t === "resize" && req.tty) resize(ctl.rows, ctl.cols);
  });
  await pump(stream, session, req.tty);
  if (session.closed) return;
  const state = await ex.inspect();
  session.end({ exitCode: state.ExitCode ?? -1 });
}
