/**
 * The whole app in process, fed through its real store (no NATS: nothing is sent, so
 * these tests cover keys, layout, validation and time travel; the e2e test covers the
 * actions against a real coordinator).
 */
import "./dev-mode.js";
import React from "react";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { render, cleanup } from "ink-testing-library";
import { App, ClusterStore, History, type RunCheck } from "@ovl/tui";
import { burstEvents, clusterEvents } from "../support/tui-seed.js";
import { lines, stored, T0, wait } from "./fixtures.js";
import { foldEvents } from "@ovl/domain";

const SIZE = { columns: 100, rows: 24 };

async function mount(events = [...clusterEvents(2, 2), ...burstEvents(2, 8)], check?: RunCheck) {
  const store = new ClusterStore(1);
  store.appendEvents(stored(events));
  store.setLink("live");
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} {...(check ? { check } : {})} />);
  await wait(50);
  // Each key waits for the next frame (or 400 ms when the key changes nothing), then for
  // the effects that re-attach input hooks: fixed small waits flake on a loaded machine.
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      const before = r.frames.length;
      r.stdin.write(k);
      for (let t = 0; t < 40 && r.frames.length === before; t++) await wait(10);
      await wait(25);
    }
  };
  return { ...r, store, press, frame: () => lines(r.lastFrame()) };
}

test.after.each(() => cleanup());

test("full screen: header with counts and link, table, notice line and key hints fill rows - 1 lines", async () => {
  const { frame } = await mount();
  const f = frame();
  assert.is(f.length, SIZE.rows - 1);
  // No heartbeat in the fixture: whether the nodes applied the history is unknown.
  assert.match(f[0]!, /^ ovl  1 Nodes 2  2 Containers 4  3 Events 21 +≠ behind: n1\? n2\? · ● live · seq 21$/);
  assert.is(f[1], "NAME          LAN ADDRESS     BLOCK               STATUS  PATH      CPU  MEM FREE  CTRS HB AGE LAG");
  assert.match(f[f.length - 1]!, /^\? help  r run  L leave  t travel/);
});

test("the line above the key hints says which code the coordinators and agents run", async () => {
  const { frame, store, press } = await mount();
  assert.is(frame()[frame().length - 2], "coordinators: none heard from in the last 15 s · agents: 2 (0.1.0)");
  store.putCoordinatorBeat({ id: "c1", host: "h1", time: new Date(T0 + 58_000).toISOString(), version: "0.1.0+new" });
  store.putCoordinatorBeat({ id: "c2", host: "h2", time: new Date(T0 + 57_000).toISOString(), version: "0.1.0" });
  store.putCoordinatorBeat({ id: "c3", host: "h3", time: new Date(T0).toISOString(), version: "0.1.0" }); // silent for a minute
  store.putHeartbeat({ node: "n1", time: new Date(T0 + 59_000).toISOString(), cpu: 0, memFree: 0, memTotal: 0, agentVersion: "0.1.0+new" });
  await press("2"); // any key: a new frame
  assert.is(frame()[frame().length - 2], "coordinators: 2 (0.1.0+new: 1, 0.1.0: 1) · agents: 2 (0.1.0+new: 1, 0.1.0: 1)");
});

test("switch views with 2 and 3; move the selection; Enter shows the event's whole JSON", async () => {
  const { frame, press } = await mount();
  await press("2");
  assert.match(frame()[0]!, /2 Containers 4/);
  assert.match(frame()[2]!, /^c1-1 +n1 +198\.19\.0\.2 +ovl +busybox +running -$/);
  await press("3", "j", "\r");
  const f = frame();
  assert.match(f[2]!, /^21 +12:00:20 ContainerSt… ovl\.evt\.ctr… b1 stopped/);
  assert.ok(f.some((l) => l.includes("event seq 20")), "detail titled with the selected event");
  assert.ok(f.some((l) => l.includes('"type": "ContainerExited"')), "the event's JSON");
  assert.ok(f.some((l) => l.includes('"exitCode": 0')));
});

test("filter: / then text narrows the list live; Esc clears it", async () => {
  const { frame, press } = await mount();
  await press("2", "/", "c", "2", "-", "1");
  let f = frame();
  assert.match(f[0]!, /2 Containers 1 /);
  assert.match(f[2]!, /^c2-1 /);
  assert.match(f[f.length - 2]!, /^filter containers: c2-1/);
  await press("\x1b");
  await wait(50);
  f = frame();
  assert.match(f[0]!, /2 Containers 4 /);
});

test("help overlay lists every key and any key closes it", async () => {
  const { frame, press } = await mount();
  await press("?");
  const text = frame().join("\n");
  for (const k of ["Tab", "Enter", "r ", "x ", "L ", "c ", "t ", "[ ]", "q / Ctrl-C", "/ "]) assert.ok(text.includes(k), `help lists ${k}`);
  await press("x");
  assert.match(frame()[1]!, /^NAME/);
});

test("c runs the check and shows its matrix with the failures' reasons; c again reruns; Esc closes", async () => {
  let runs = 0;
  let release: () => void = () => {};
  const check: RunCheck = async () => {
    runs++;
    await new Promise<void>((res) => (release = res));
    return {
      nodes: ["n1", "n2"],
      cells: [
        { from: "n1", to: "n2", ok: true, ms: 0.2 },
        { from: "n2", to: "n1", ok: false, reason: "icmp: no reply in 2000 ms" },
      ],
    };
  };
  const { frame, press } = await mount(undefined, check);
  await press("c");
  assert.is(runs, 1);
  assert.ok(frame().some((l) => l.includes("probing every node pair through the overlay…")), frame().join("\n"));
  await press("c"); // one check at a time
  assert.is(runs, 1);
  release();
  await press("x"); // any key: the next frame
  const text = frame().join("\n");
  assert.match(text, /check: 1 of 2 directions failed, pairs n1-n2 \(\d\.\d s\)/);
  assert.match(text, /n1 +- +ok 0\.2ms/);
  assert.match(text, /n2 +FAILED +-/);
  assert.match(text, /n2 -> n1: icmp: no reply in 2000 ms/);
  await press("c");
  assert.is(runs, 2);
  release();
  await press("\u001B");
  assert.match(frame()[1]!, /^NAME/);
});

test("time travel: t on an event shows the cluster as it was then; ← steps back; t returns to live", async () => {
  const { frame, press } = await mount();
  // seq 5 is SubnetAssigned n2: no container exists yet.
  await press("3", "G", "k", "k", "k", "k");
  assert.match(frame().find((l) => l.startsWith("5 "))!, /SubnetAssigned/);
  await press("t", "2");
  let f = frame();
  assert.match(f[1]!, /◀ TIME TRAVEL  seq 5 of 21 \(16 behind live\)/);
  assert.match(f[0]!, /2 Containers 0 /);
  assert.ok(f.some((l) => l.includes("no containers at this point in history")));
  await press("\x1b[C", "\x1b[C");
  f = frame();
  assert.match(f[1]!, /seq 7 of 21/);
  assert.match(f[0]!, /2 Containers 1 /);
  await press("1");
  assert.match(frame().find((l) => l.startsWith("n1"))!, /ready   vxlan +-    -         1    -      -$/);
  await press("r");
  assert.match(frame().join("\n"), /viewing the past: press t to return to live/);
  await press("t");
  f = frame();
  assert.not.match(f.join("\n"), /TIME TRAVEL/);
  assert.match(f[0]!, /2 Containers 4 /);
});

test("a burst of keys in one read counts each key: ]]]] is four steps of 100", async () => {
  const events = [...clusterEvents(2, 2), ...burstEvents(2, 400)];
  const { frame, press } = await mount(events);
  await press("3", "G", "t");
  assert.match(frame()[1]!, /◀ TIME TRAVEL  seq 1 of /);
  await press("]]]]");
  assert.match(frame()[1]!, /◀ TIME TRAVEL  seq 401 of /);
  await press("[[");
  assert.match(frame()[1]!, /◀ TIME TRAVEL  seq 201 of /);
});

test("t and steps in one read: t[[{ enters time travel and takes the three steps", async () => {
  const events = [...clusterEvents(2, 2), ...burstEvents(2, 2500)];
  const { frame, press } = await mount(events);
  const last = stored(events).length;
  await press("t[[{");
  assert.match(frame()[1]!, new RegExp(`◀ TIME TRAVEL  seq ${(last - 1200).toLocaleString("en-US")} of `));
});

test("keys typed before any event is read act once the history arrives: t and steps wait for it", async () => {
  const store = new ClusterStore(1);
  store.setLink("loading", "reading the newest snapshot");
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} />);
  await wait(50);
  r.stdin.write("t");
  r.stdin.write("[[");
  await wait(100);
  assert.not.match(lines(r.lastFrame()).join("\n"), /TIME TRAVEL/, "nothing to travel in yet");
  const events = stored([...clusterEvents(2, 2), ...burstEvents(2, 400)]);
  store.appendEvents(events);
  store.setLink("live");
  for (let t = 0; t < 50 && !lines(r.lastFrame())[1]!.includes("TIME TRAVEL"); t++) await wait(20);
  assert.match(lines(r.lastFrame())[1]!, new RegExp(`◀ TIME TRAVEL  seq ${events.length - 200} of `));
});

/** A store holding the events after 200 of a longer history, in pages of 100, read by a pager with a snapshot every 100. */
function pagedStore() {
  const events = stored([...clusterEvents(2, 2), ...burstEvents(2, 300)]);
  const store = new ClusterStore(1, new History(100, 6));
  const fold = (n: number) => foldEvents(events.slice(0, n).flatMap((i) => (i.ok ? [i.event] : [])));
  store.rebase(200, fold(200));
  store.appendEvents(events.slice(200));
  store.setLink("live");
  store.setPager(async ({ from, to, state }) => {
    const seq = state ? from : Math.floor(from / 100) * 100;
    return { seq, state: state ?? fold(seq), to, items: events.slice(seq, to) };
  });
  return { store, events };
}

test("the events view scrolled to the oldest event held reads the page before it", async () => {
  const { store } = pagedStore();
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} />);
  await wait(50);
  r.stdin.write("3");
  await wait(100);
  const oldest = store.history.firstSeq;
  assert.ok(oldest > 1, "opened from a snapshot, it holds a part of the history");
  r.stdin.write("G");
  for (let t = 0; t < 100 && store.history.firstSeq >= oldest; t++) await wait(20);
  assert.ok(store.history.firstSeq < oldest, "older events read");
  await wait(100);
  assert.ok(lines(r.lastFrame()).some((l) => l.startsWith(`${oldest} `)), `the selection stays on its event:\n${r.lastFrame()}`);
});

test("time travel far back: the cursor moves with every key of a burst, the page under it is read, and live again", async () => {
  const { store, events } = pagedStore();
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} />);
  const last = events.length;
  await wait(50);
  r.stdin.write("t");
  await wait(100);
  r.stdin.write("[[[");
  await wait(150);
  assert.match(lines(r.lastFrame())[1]!, new RegExp(`◀ TIME TRAVEL  seq ${last - 300} of `), "three keys in one read, three steps");
  r.stdin.write("{");
  for (let t = 0; t < 100 && store.history.base !== 0; t++) await wait(20);
  await wait(150);
  assert.match(lines(r.lastFrame())[1]!, /◀ TIME TRAVEL  seq 1 of .*ClusterCreated/, "the first event, read from the stream");
  r.stdin.write("]");
  await wait(150);
  assert.match(lines(r.lastFrame())[1]!, /◀ TIME TRAVEL  seq 101 of /);
  r.stdin.write("t");
  await wait(150);
  assert.not.match(lines(r.lastFrame()).join("\n"), /TIME TRAVEL/);
});

test("back to live from far back, the events view lists the newest events again (following is not a focus)", async () => {
  const { store, events } = pagedStore();
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} />);
  const last = events.length;
  await wait(50);
  r.stdin.write("3");
  await wait(100);
  r.stdin.write("t");
  await wait(100);
  r.stdin.write("{");
  for (let t = 0; t < 100 && store.history.base !== 0; t++) await wait(20);
  assert.is(store.history.base, 0, "the window went back to the first events");
  r.stdin.write("t");
  await wait(100);
  assert.is(store.history.focus, null, "live: the window is asked for the tip, not for the newest event it holds");
  for (let t = 0; t < 100 && !store.history.attached; t++) await wait(20);
  await wait(100);
  assert.ok(store.history.attached, "the window follows the tip again");
  assert.ok(lines(r.lastFrame())[2]!.startsWith(`${last} `), `the newest event first:\n${r.lastFrame()}`);
});

test("a frame drawn between a change and its notification shows the header and the rows of the same moment", async () => {
  const events = stored([...clusterEvents(2, 2), ...burstEvents(2, 20)]);
  const store = new ClusterStore(1000); // a notification a second: a key's frame comes first
  store.setLink("loading", "reading the newest snapshot");
  const r = render(<App nc={null} store={store} size={SIZE} now={T0 + 60_000} />);
  await wait(50);
  store.rebase(events.length, foldEvents(events.flatMap((i) => (i.ok ? [i.event] : []))));
  store.setLink("live");
  r.stdin.write("2"); // any key: a frame before the store's notification
  await wait(100);
  const early = lines(r.lastFrame())[0]!;
  assert.not.match(early, /Nodes 0 .*● live/, `live shown with the rows of before: ${early}`);
  await wait(1100);
  assert.match(lines(r.lastFrame())[0]!, new RegExp(`1 Nodes 2 .*● live · seq ${events.length}$`));
});

test("start form: invalid input is shown inline before anything is sent", async () => {
  const { frame, press } = await mount();
  await press("r");
  assert.ok(frame().some((l) => l.includes("Start a container")));
  await press("W", "e", "b");
  assert.ok(frame().some((l) => l.includes('✘ invalid container name "Web"')), frame().join("\n"));
  await press("\x7f", "\x7f", "\x7f", "c", "1", "-", "1");
  assert.ok(frame().some((l) => l.includes("✘ container c1-1 already exists")));
  await press("\x7f", "9", "\t", "b", "u", "s", "y", "b", "o", "x", "!", "\t", "\t", "8", "0", "8", "0");
  const f = frame().join("\n");
  assert.match(f, /✘ invalid image "busybox!"/);
  assert.match(f, /✘ invalid port mapping "8080"/);
  await press("\r");
  assert.ok(frame().some((l) => l.includes("Start a container")), "Enter with errors keeps the form open");
  await press("\x1b");
  assert.not.ok(frame().some((l) => l.includes("Start a container")));
});

test("start form: keys that arrive in one chunk are applied one by one (tab moves the focus)", async () => {
  const { frame, press } = await mount();
  await press("r", "web\tbusy\x7fybox\t");
  const f = frame().join("\n");
  assert.match(f, /│ {3}name {5}web +│/);
  assert.match(f, /│ {3}image {4}busybox +│/);
  assert.match(f, /› command /);
});

test("start form: the node is chosen from the live list of ready nodes", async () => {
  const { frame, press } = await mount();
  await press("r", "\x1b[A");
  assert.ok(frame().some((l) => l.includes("› node     ‹ (auto: most free addresses) ›")));
  await press("\x1b[C");
  assert.ok(frame().some((l) => l.includes("‹ n1 ›")));
  await press("\x1b[C", "\x1b[C");
  assert.ok(frame().some((l) => l.includes("‹ (auto: most free addresses) ›")), "wraps around after n2");
});

test("actions without a connection say so in words", async () => {
  const { frame, press } = await mount();
  await press("2", "x", "y");
  assert.match(frame()[frame().length - 2]!, /✘ not connected to NATS yet/);
});

test("a burst of 2,000 events reaches the screen in a handful of frames, not one per event", async () => {
  const { store, frame } = await mount(clusterEvents(2, 2));
  let notifications = 0;
  store.subscribe(() => notifications++);
  const burst = stored(burstEvents(2, 2000, "z"), 14);
  for (const item of burst) store.appendEvents([item]);
  await wait(100);
  assert.ok(notifications <= 3, `${notifications} notifications`);
  assert.match(frame()[0]!, /● live · seq 2,013$/);
});

test.run();
