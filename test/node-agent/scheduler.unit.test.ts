/**
 * The agent's scheduler: a lone request runs at once (no fixed wait on the path of `ovl run`),
 * requests close together become one run, and runs never overlap.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createScheduler, delayFor } from "@ovl/node-agent";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("delayFor: nothing after a quiet spell, the rest of the period otherwise", () => {
  assert.is(delayFor(1000, -Infinity, 20), 0);
  assert.is(delayFor(1000, 980, 20), 0);
  assert.is(delayFor(1000, 995, 20), 15);
  assert.is(delayFor(1000, 1000, 20), 20);
});

test("a lone request runs on the next turn, not after the debounce period", async () => {
  let ran = 0;
  const s = createScheduler(async () => void ran++, 10_000, () => undefined);
  s.schedule();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.is(ran, 1, "ran without waiting 10 s");
  await s.stop();
});

test("requests soon after a run wait for the period and become one run", async () => {
  let ran = 0;
  const s = createScheduler(async () => void ran++, 40, () => undefined);
  s.schedule();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.is(ran, 1);
  for (let i = 0; i < 5; i++) s.schedule();
  await sleep(5);
  assert.is(ran, 1, "still inside the period");
  await s.idle();
  assert.is(ran, 2, "the five requests made one run");
  await s.stop();
});

test("a longer period coalesces more; a shorter request moves the waiting run forward", async () => {
  let ran = 0;
  const s = createScheduler(async () => void ran++, 5, () => undefined);
  s.schedule(10_000);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.is(ran, 1, "a lone request runs at once, whatever its period");
  s.schedule(10_000);
  s.schedule(10_000);
  await sleep(20);
  assert.is(ran, 1, "requests with a long period wait for it");
  s.schedule(); // the default, short period: due at once now
  await sleep(20);
  assert.is(ran, 2, "moved forward by the short request, one run for all three");
  s.schedule();
  s.schedule(10_000); // a longer request never delays a run already due sooner
  await sleep(20);
  assert.is(ran, 3);
  await s.stop();
});

test("with a slack, a request after the period takes the waiting run along at once", async () => {
  let ran = 0;
  const s = createScheduler(async () => void ran++, 5, () => undefined);
  s.schedule(30, 10_000);
  await sleep(5);
  assert.is(ran, 1, "a lone request runs at once");
  s.schedule(30, 10_000); // inside the period: waits for the period and its slack
  await sleep(40);
  assert.is(ran, 1, "the period ended, the slack has not");
  s.schedule(30, 10_000); // the next request, after the period: runs now
  await sleep(5);
  assert.is(ran, 2, "one run for both requests, without waiting for the slack");
  await s.stop();
});

test("runs never overlap; an error is reported and the next run still happens", async () => {
  let active = 0, maxActive = 0, ran = 0;
  const errors: unknown[] = [];
  const s = createScheduler(async () => {
    active++, ran++;
    maxActive = Math.max(maxActive, active);
    await sleep(10);
    active--;
    if (ran === 1) throw new Error("first run fails");
  }, 1, (e) => errors.push(e));
  s.schedule();
  await sleep(2);
  s.schedule();
  s.schedule();
  await s.idle();
  assert.is(maxActive, 1);
  assert.is(ran, 2);
  assert.is(errors.length, 1);
  await s.stop();
  s.schedule();
  await sleep(10);
  assert.is(ran, 2, "no run after stop");
});

test.run();
