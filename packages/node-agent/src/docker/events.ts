/**
 * Following Docker's container events for ovl's containers of one node (label filter), so
 * a container Docker restarted on its own (restart policy, dockerd restart: a NEW network
 * namespace, unwired) is wired again at once, and a container that died is reported.
 * When the stream ends (dockerd restarted), it reconnects with backoff and calls
 * `onReconnect`, because events that happened while it was away are lost: the runtime then
 * checks every container instead.
 */
import type Dockerode from "dockerode";
import { nodeLabelFilter } from "./labels.js";
import { dockerMessage } from "./status.js";

export interface DockerEvent {
  readonly action: string;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface DockerEventsOptions {
  readonly docker: Dockerode;
  readonly node: string;
  readonly onEvent: (e: DockerEvent) => void;
  readonly onReconnect: () => void;
  readonly log: (line: string) => void;
  /** Docker's event filters. @default container events of ovl's containers of `node` */
  readonly filters?: Readonly<Record<string, string[]>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits a chunked stream of JSON lines; returns the events and the unfinished tail. */
export function parseEventLines(buffer: string): { events: DockerEvent[]; rest: string } {
  const lines = buffer.split("\n");
  const rest = lines.pop() ?? "";
  const events = lines.flatMap((line): DockerEvent[] => {
    try {
      const e = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      return e.Action && e.Actor?.ID ? [{ action: e.Action, id: e.Actor.ID, attributes: e.Actor.Attributes ?? {} }] : [];
    } catch {
      return [];
    }
  });
  return { events, rest };
}

async function oneStream(opts: DockerEventsOptions, setCurrent: (s: NodeJS.ReadableStream | null) => void): Promise<void> {
  const stream = await opts.docker.getEvents({ filters: opts.filters ?? { type: ["container"], label: nodeLabelFilter(opts.node) } });
  setCurrent(stream);
  let buffer = "";
  await new Promise<void>((resolve) => {
    stream.on("data", (chunk: Buffer | string) => {
      const parsed = parseEventLines(buffer + chunk.toString());
      buffer = parsed.rest;
      parsed.events.forEach(opts.onEvent);
    });
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", (err) => {
      opts.log(`docker events: ${dockerMessage(err)}`);
      resolve();
    });
  });
}

/** Starts following; the returned function stops. */
export function followDockerEvents(opts: DockerEventsOptions): () => void {
  let stopped = false;
  let current: NodeJS.ReadableStream | null = null;
  void (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const opened = oneStream(opts, (s) => (current = s));
        if (attempt > 0) opts.onReconnect();
        await opened;
        attempt = 0;
      } catch (err) {
        if (!stopped) opts.log(`docker events unavailable: ${dockerMessage(err)}; retrying`);
      }
      if (!stopped) await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
    }
  })();
  return () => {
    stopped = true;
    (current as unknown as { destroy?: () => void } | null)?.destroy?.();
  };
}
