/**
 * `ovl events`: the history of OVL_EVENTS from a sequence, optionally followed live.
 * People get one line per event; --json gives NDJSON objects {seq, subject, type, v, time,
 * data, req?}. An event that fails validation is reported on stderr and skipped.
 */
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";
import { eventFilter, formatPort, subjects, type PortMapping, type StoredEvent } from "@ovl/domain";
import { readEvents, type EventItem } from "@ovl/client";
import { out, withClient, type GlobalOptions } from "../context.js";
import { FailedError, asUsage } from "../errors.js";
import { summaryValue } from "../format.js";
import { untilSignal } from "./signals.js";

export interface EventsOptions {
  readonly follow?: boolean;
  readonly since?: number;
  readonly json?: boolean;
  /** Event types, repeatable or comma-separated. */
  readonly type?: readonly string[];
  readonly node?: string;
  readonly container?: string;
}

/** An event as scripts get it: {seq, subject, type, v, time, data, req?}. */
export function eventObject(e: StoredEvent): object {
  const base = { seq: e.seq, subject: e.subject, type: e.type, v: e.v, time: e.time, data: e.data };
  return e.req === undefined ? base : { ...base, req: e.req };
}

export const eventJson = (e: StoredEvent): string => JSON.stringify(eventObject(e));

/** `key=value` pairs of the data; ports and commands in their command-line form. */
export function eventSummary(e: StoredEvent): string {
  return Object.entries(e.data as Record<string, unknown>)
    .map(([k, v]) => {
      if (k === "ports" && Array.isArray(v)) return `ports=${(v as PortMapping[]).map(formatPort).join(",") || "-"}`;
      if (k === "cmd" && Array.isArray(v)) return v.length ? `cmd=${JSON.stringify(v)}` : "";
      return `${k}=${summaryValue(v)}`;
    })
    .filter(Boolean)
    .join(" ");
}

export function eventLine(e: StoredEvent): string {
  return `${String(e.seq).padStart(6)}  ${e.time}  ${e.type.padEnd(16)}  ${e.subject}  ${eventSummary(e)}`;
}

async function print(item: EventItem, json: boolean): Promise<void> {
  if (!item.ok) {
    process.stderr.write(`warning: skipped invalid event seq ${item.seq} on ${item.subject}: ${item.error}\n`);
    return;
  }
  await out(`${json ? eventJson(item.event) : eventLine(item.event)}\n`);
}

export async function eventsCommand(g: GlobalOptions, opts: EventsOptions): Promise<number> {
  const filter = asUsage(() => eventFilter({ types: opts.type ?? [], ...(opts.node !== undefined ? { node: opts.node } : {}), ...(opts.container !== undefined ? { container: opts.container } : {}) }));
  return withClient(g, async (client, url) => {
    const abort = new AbortController();
    const stopOnSignal = opts.follow ? untilSignal(() => abort.abort()) : undefined;
    try {
      for await (const item of readEvents(client.nc, { since: opts.since ?? 1, follow: Boolean(opts.follow), filter: filter.subject, signal: abort.signal })) {
        if (item.ok && !filter.matches(item.event)) continue;
        await print(item, Boolean(opts.json));
      }
    } catch (err) {
      if (jsApiErrorCode(err) === JsApiErrorCodes.StreamNotFound) {
        throw new FailedError(`no stream ${subjects.STREAM_EVENTS} on ${url}: run \`ovl broker setup\` or start \`ovl coordinator\``, { cause: err });
      }
      throw err;
    } finally {
      stopOnSignal?.dispose();
    }
    return 0;
  });
}
