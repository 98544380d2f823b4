/**
 * Backup and restore of the history (OVL_EVENTS) as NDJSON, readable and diffable:
 *   line 1: {"ovlBackup":1, "stream", "config", "firstSeq", "lastSeq", "messages", "time"}
 *   then one line per message: {"seq", "subject", "time", "headers": {name: [values]}, "data": base64}
 * Restore brings it back into an EMPTY stream with identical sequences: every message is
 * appended with its original headers (Nats-Msg-Id included) and an expected last sequence
 * of seq - 1, so a concurrent writer or a gap stops the restore instead of shifting the
 * history. nats-server 2.9 cannot start a stream at a chosen sequence, so a history that
 * does not start at 1 or has holes is refused.
 */
import { createReadStream, openSync, closeSync, writeSync, renameSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { headers as natsHeaders, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection, type PubAck } from "nats";
import { OvlError, OvlErrorCodes, subjects } from "@ovl/domain";
import { ensureStreams } from "./streams.js";

export interface BackupHeader {
  readonly ovlBackup: 1;
  readonly stream: string;
  readonly config: unknown;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly messages: number;
  readonly time: string;
}

export interface BackupLine {
  readonly seq: number;
  readonly subject: string;
  readonly time: string;
  readonly headers?: Record<string, string[]>;
  readonly data: string;
}

export interface BackupResult {
  readonly file: string;
  readonly messages: number;
  readonly lastSeq: number;
  /** The stream's size on the server when the backup started. */
  readonly streamBytes: number;
}

const invalid = (m: string): OvlError => new OvlError(OvlErrorCodes.InvalidInput, m);

function headersOf(m: JsMsg): Record<string, string[]> | undefined {
  if (!m.headers) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, v] of m.headers) out[k] = v;
  return out;
}

export function lineOf(m: JsMsg): BackupLine {
  const h = headersOf(m);
  const time = new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString();
  return { seq: m.seq, subject: m.subject, time, ...(h ? { headers: h } : {}), data: Buffer.from(m.data).toString("base64") };
}

/** Writes the stream's history up to its last sequence at the start into `file` (mode 0600). */
export async function backupStream(nc: NatsConnection, file: string, stream: string = subjects.STREAM_EVENTS): Promise<BackupResult> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const { first_seq: firstSeq, last_seq: lastSeq, messages, bytes } = info.state;
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  let written = 0;
  try {
    const header: BackupHeader = { ovlBackup: 1, stream, config: info.config, firstSeq, lastSeq, messages, time: new Date().toISOString() };
    writeSync(fd, JSON.stringify(header) + "\n");
    if (messages > 0) {
      const consumer = await nc.jetstream().consumers.get(stream, { opt_start_seq: firstSeq });
      const iter = await consumer.consume();
      for await (const m of iter) {
        writeSync(fd, JSON.stringify(lineOf(m)) + "\n");
        written++;
        if (m.seq >= lastSeq) break;
      }
      iter.stop();
    }
    closeSync(fd);
    renameSync(tmp, file);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  return { file, messages: written, lastSeq, streamBytes: bytes };
}

export function parseHeader(text: string, file: string): BackupHeader {
  let h: Partial<BackupHeader>;
  try {
    h = JSON.parse(text) as Partial<BackupHeader>;
  } catch {
    throw invalid(`${file} is not an ovl backup: its first line is not JSON`);
  }
  if (h?.ovlBackup !== 1 || typeof h.stream !== "string" || !Number.isInteger(h.lastSeq) || !Number.isInteger(h.firstSeq)) {
    throw invalid(`${file} is not an ovl backup (version 1): the first line lacks ovlBackup, stream, firstSeq or lastSeq`);
  }
  return h as BackupHeader;
}

/** Validates one message line; `expected` is the sequence it must have. */
export function parseLine(text: string, expected: number, where: string): BackupLine {
  let l: Partial<BackupLine>;
  try {
    l = JSON.parse(text) as Partial<BackupLine>;
  } catch {
    throw invalid(`${where}: not JSON`);
  }
  if (l?.seq !== expected) throw invalid(`${where}: sequence ${JSON.stringify(l?.seq)} where ${expected} was expected (a history with holes cannot be restored with the same sequences)`);
  if (typeof l.subject !== "string" || !subjects.isEventSubject(l.subject) || /[\s*>]/.test(l.subject)) throw invalid(`${where}: subject ${JSON.stringify(l.subject)} is not an event subject`);
  if (typeof l.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(l.data)) throw invalid(`${where}: data is not base64`);
  const h = l.headers;
  if (h !== undefined && (typeof h !== "object" || h === null || !Object.values(h).every((v) => Array.isArray(v) && v.every((x) => typeof x === "string")))) {
    throw invalid(`${where}: headers must map names to lists of strings`);
  }
  return l as BackupLine;
}

async function checkEmpty(jsm: JetStreamManager, stream: string, replicas: number): Promise<void> {
  await ensureStreams(jsm, { replicas });
  const { messages, last_seq } = (await jsm.streams.info(stream)).state;
  if (messages > 0 || last_seq > 0) {
    throw new OvlError(OvlErrorCodes.Conflict, `stream ${stream} is not empty (${messages} messages, last sequence ${last_seq}): restore only into an empty stream (a fresh broker)`);
  }
}

export interface RestoreOptions {
  /** Replicas of the streams, when restore creates them. @default 1 */
  readonly replicas?: number;
  /** Appends in flight. @default 128 */
  readonly window?: number;
}

/** Appends one message at exactly its sequence; fails on anything else. */
async function appendAt(js: JetStreamClient, l: BackupLine): Promise<void> {
  const h = natsHeaders();
  for (const [k, vs] of Object.entries(l.headers ?? {})) for (const v of vs) h.append(k, v);
  const msgID = h.get("Nats-Msg-Id") || undefined;
  const ack: PubAck = await js.publish(l.subject, Buffer.from(l.data, "base64"), {
    headers: h,
    ...(msgID ? { msgID } : {}),
    expect: { lastSequence: l.seq - 1 },
  });
  if (ack.duplicate || ack.seq !== l.seq) throw new OvlError(OvlErrorCodes.Conflict, `message ${l.seq} landed as ${ack.seq}${ack.duplicate ? " (a duplicate Nats-Msg-Id)" : ""}`);
}

/** Reads a backup: the header, then each message line, validated in order. */
async function* readBackup(file: string): AsyncGenerator<BackupHeader | BackupLine> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header: BackupHeader | null = null;
  let next = 1;
  for await (const text of lines) {
    if (!header) {
      header = parseHeader(text, file);
      if (header.stream !== subjects.STREAM_EVENTS) throw invalid(`${file} holds stream ${header.stream}; only ${subjects.STREAM_EVENTS} can be restored`);
      if (header.lastSeq > 0 && header.firstSeq !== 1) throw invalid(`${file} starts at sequence ${header.firstSeq}: nats-server 2.9 cannot start a stream there`);
      yield header;
    } else if (text.trim() !== "") {
      yield parseLine(text, next, `${file} line ${next + 1}`);
      next++;
    }
  }
  if (!header) throw invalid(`${file} is empty: not an ovl backup`);
  if (next - 1 !== header.lastSeq) throw invalid(`${file} is truncated: it ends at sequence ${next - 1} but its header says ${header.lastSeq}`);
}

/** Checks a whole backup file without touching the server; returns its header. */
export async function checkBackup(file: string): Promise<BackupHeader> {
  let header: BackupHeader | null = null;
  for await (const item of readBackup(file)) if ("ovlBackup" in item) header = item;
  return header!;
}

/**
 * Restores a backup into an empty OVL_EVENTS (created when missing). The file is checked
 * whole first, so a damaged file changes nothing on the server.
 */
export async function restoreStream(nc: NatsConnection, file: string, opts: RestoreOptions = {}): Promise<{ messages: number; lastSeq: number }> {
  const header = await checkBackup(file);
  await checkEmpty(await nc.jetstreamManager(), header.stream, opts.replicas ?? 1);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const js = nc.jetstream();
  for await (const item of readBackup(file)) {
    if (failure) break;
    if ("ovlBackup" in item) continue;
    const p: Promise<void> = appendAt(js, item).catch((err) => void (failure ??= err)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (opts.window ?? 128)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw new OvlError(OvlErrorCodes.Conflict, `restore stopped: ${(failure as Error).message}; the stream now holds a partial history: delete it before trying again`, { cause: failure });
  return { messages: header.lastSeq, lastSeq: header.lastSeq };
}
