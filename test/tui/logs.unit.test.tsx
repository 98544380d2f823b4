/**
 * The logs pane: its reducer as plain functions, and the whole app with `l` on the
 * containers view, fed by an in-process log source that records what the pane asked
 * (the stream against a real agent is test/node-agent/agent-services.int.test.ts).
 */
import "./dev-mode.js";
import React from "react";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { render, cleanup } from "ink-testing-library";
import { OvlError, OvlErrorCodes, type AgentEnd, type Control } from "@ovl/domain";
import type { SessionOutput } from "@ovl/client";
import { App, ClusterStore, cleanLine, initialLogsState, logsReducer, visibleLines, type LogsAction, type LogsState } from "@ovl/tui";
import { clusterEvents } from "../support/tui-seed.js";
import { lines, stored, T0, wait } from "./fixtures.js";

const apply = (actions: LogsAction[], from: LogsState = initialLogsState) => actions.reduce(logsReducer, from);
const out = (text: string): LogsAction => ({ type: "data", stream: "out", text });
const texts = (s: LogsState, height: number) => visibleLines(s, height).map((l) => l.text);

test("lines are cut at newlines; an unfinished line waits for its end, per stream", () => {
  const s = apply([out("one\ntw"), { type: "data", stream: "err", text: "oops\n" }, out("o\nthr")]);
  assert.equal(s.lines, [{ text: "one", err: false }, { text: "oops", err: true }, { text: "two", err: false }]);
  assert.is(s.partial.out, "thr");
  assert.equal(s.status, { phase: "following" });
  const ended = logsReducer(s, { type: "ended", text: "over" });
  assert.equal(ended.lines.at(-1), { text: "thr", err: false });
  assert.equal(ended.status, { phase: "ended", text: "over" });
});

test("colour and cursor sequences and control characters are dropped; tabs become spaces", () => {
  assert.is(cleanLine("\x1b[31mred\x1b[0m\tx\r\x07"), "red    x");
});

test("scrolled back, the lines shown stay put while new ones arrive; G (back 0) follows again", () => {
  let s = apply(Array.from({ length: 10 }, (_, i) => out(`l${i}\n`)));
  assert.equal(texts(s, 3), ["l7", "l8", "l9"]);
  s = logsReducer(s, { type: "scroll", delta: 2, height: 3 });
  assert.equal(texts(s, 3), ["l5", "l6", "l7"]);
  s = logsReducer(s, out("l10\nl11\n"));
  assert.equal(texts(s, 3), ["l5", "l6", "l7"]);
  s = logsReducer(s, { type: "scroll", delta: Infinity, height: 3 });
  assert.equal(texts(s, 3), ["l0", "l1", "l2"]);
  s = logsReducer(s, { type: "scroll", delta: -Infinity, height: 3 });
  assert.equal(texts(s, 3), ["l9", "l10", "l11"]);
});

/** A log source in process: what the pane opened, the controls it sent, and hands to feed it. */
function fakeLogs() {
  const opened: Array<{ name: string; node: string; output: SessionOutput; sent: Control[]; end: (e: AgentEnd) => void; fail: (e: Error) => void }> = [];
  const open = (t: { name: string; node: string }, output: SessionOutput) => {
    let end!: (e: AgentEnd) => void;
    let fail!: (e: Error) => void;
    const done = new Promise<AgentEnd>((res, rej) => ((end = res), (fail = rej)));
    const sent: Control[] = [];
    opened.push({ ...t, output, sent, end, fail });
    return { done, send: (c: Control) => void sent.push(c) };
  };
  return { opened, open };
}

const SIZE = { columns: 100, rows: 16 };

async function mount() {
  const store = new ClusterStore(1);
  store.appendEvents(stored(clusterEvents(2, 2)));
  store.setLink("live");
  const logs = fakeLogs();
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} openLogs={logs.open} />);
  await wait(50);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      const before = r.frames.length;
      r.stdin.write(k);
      for (let t = 0; t < 40 && r.frames.length === before; t++) await wait(10);
      await wait(25);
    }
  };
  const settle = async (ms = 150) => wait(ms);
  return { ...r, store, logs, press, settle, frame: () => lines(r.lastFrame()) };
}

test.after.each(() => cleanup());

test("l on a container opens its logs from its node, following; Esc closes the pane and the stream", async () => {
  const { frame, press, settle, logs } = await mount();
  await press("2", "j", "j", "l");
  assert.is(logs.opened.length, 1);
  const s = logs.opened[0]!;
  assert.equal([s.name, s.node], ["c2-1", "n2"]);
  let f = frame();
  assert.is(f[1], "logs of c2-1 on n2 · 0 lines");
  assert.is(f[f.length - 3], "… asking the agent of n2 for c2-1's logs");
  assert.match(f[f.length - 1]!, /^↑ ↓ PgUp PgDn scroll/);
  s.output.out(Buffer.from(Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join("")));
  s.output.err(Buffer.from("warn\n"));
  await settle();
  await press("G"); // any key: a frame
  f = frame();
  assert.is(f[1], "logs of c2-1 on n2 · 31 lines · following");
  // 16 rows: header, title, 10 log lines, status, notice, keys.
  assert.equal(f.slice(2, 12), [...Array.from({ length: 9 }, (_, i) => `line ${21 + i}`), "warn"]);
  await press("k", "k", "k");
  f = frame();
  assert.is(f[1], "logs of c2-1 on n2 · 31 lines · 3 lines back (G: newest)");
  assert.is(f[11], "line 27");
  await press("\x1b");
  assert.equal(s.sent, [{ t: "close" }], "closing the pane closes the session");
  assert.match(frame()[1]!, /^NAME/);
});

test("q closes the pane without quitting; an agent's error shows in the pane; l asks again", async () => {
  const { frame, press, settle, logs } = await mount();
  await press("2", "l");
  logs.opened[0]!.fail(new OvlError(OvlErrorCodes.Unavailable, "the agent of node n1 does not answer (logs c1-1); is it running?"));
  await settle();
  await press("j");
  const f = frame();
  assert.is(f[f.length - 3], "✘ UNAVAILABLE: the agent of node n1 does not answer (logs c1-1); is it running?");
  assert.equal(logs.opened[0]!.sent, [], "a failed session is not closed again");
  await press("l");
  assert.is(logs.opened.length, 2, "l opens the stream again");
  await press("q");
  assert.match(frame()[1]!, /^NAME/, "q closed the pane, the app still runs");
  assert.equal(logs.opened[1]!.sent, [{ t: "close" }]);
});

test("the container removed from the cluster: the stream stops and the pane says so, its lines kept", async () => {
  const { frame, press, settle, logs, store } = await mount();
  await press("2", "l");
  const s = logs.opened[0]!;
  s.output.out(Buffer.from("hello\n"));
  await settle();
  store.appendEvents(stored([{ type: "ContainerStopped", data: { name: "c1-1", node: "n1", ip: "198.19.0.2", reason: "removed" } }], 14));
  await settle(200);
  await press("j");
  const f = frame();
  assert.equal(s.sent, [{ t: "close" }]);
  assert.is(f[2], "hello");
  assert.is(f[f.length - 3], "■ c1-1 is no longer in the cluster: its log stream stopped");
  await press("l");
  assert.is(logs.opened.length, 1, "nothing to read again: it is gone");
});

test("while travelling, l is refused with what to do", async () => {
  const { frame, press, logs } = await mount();
  await press("2", "t", "l");
  assert.is(logs.opened.length, 0);
  assert.match(frame().join("\n"), /viewing the past: press t to return to live, then l for its logs/);
});

test.run();
