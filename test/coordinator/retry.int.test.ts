/** A retried request (same id) is applied once and answered the same: in flight, later, after the dedupe window, by another coordinator. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nanos } from "nats";
import { subjects, type Reply } from "@ovl/domain";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { lastSeq, readEvents } from "../support/stream.js";

const b = suiteBed(test);

test("the same id, concurrently and again: one event, one reply", async () => {
  const h = await b.coordinator({ cluster: { cidr: "198.19.0.0/18" } });
  ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11"), "join-n1-0001"));
  const id = "run-web-0000001";
  const [r1, r2, r3] = (await Promise.all([1, 2, 3].map(() => ask(b.nc, subjects.commandSubject("run"), run_("web", "n1"), id)))) as [Reply<any>, Reply<any>, Reply<any>];
  const r4 = await ask(b.nc, subjects.commandSubject("run"), run_("web", "n1"), id);
  assert.equal(r2, r1);
  assert.equal(r3, r1);
  assert.equal(r4, r1);
  assert.is(ok(r1).ip, "198.19.0.2");
  const started = (await readEvents(b.nc)).filter((e) => e.type === "ContainerStarted");
  assert.is(started.length, 1);
  assert.is(started[0]!.req, id);
  // a retried join gets the same answer too
  const j = await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11"), "join-n1-0001");
  assert.is(ok(j).seq, 3);
  await h.stop();
});

test("after the dedupe window, and from a rebuilt projection on another coordinator", async () => {
  const jsm = await b.nc.jetstreamManager();
  const info = await jsm.streams.info(subjects.STREAM_EVENTS);
  await jsm.streams.update(subjects.STREAM_EVENTS, { ...info.config, duplicate_window: nanos(500) });
  const h = await b.coordinator({ db: "second.db" }); // a fresh file: rebuilt from the stream
  const id = "run-web-0000001";
  await new Promise((r) => setTimeout(r, 700));
  const before = await lastSeq(b.nc);
  const again = await ask(b.nc, subjects.commandSubject("run"), run_("web", "n1"), id);
  assert.is(ok(again).ip, "198.19.0.2");
  assert.is(ok(again).seq, 4);
  assert.is(await lastSeq(b.nc), before);
  // an rm retried after the window: still one ContainerStopped
  const rm1 = await ask(b.nc, subjects.commandSubject("rm"), { name: "web" }, "rm-web-00000001");
  await new Promise((r) => setTimeout(r, 700));
  const rm2 = await ask(b.nc, subjects.commandSubject("rm"), { name: "web" }, "rm-web-00000001");
  assert.equal(rm2, rm1);
  assert.is((await readEvents(b.nc)).filter((e) => e.type === "ContainerStopped").length, 1);
  await jsm.streams.update(subjects.STREAM_EVENTS, { ...info.config });
  await h.stop();
});

test.run();
