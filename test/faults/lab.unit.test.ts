/** The lab fault run's ping figures, from busybox ping's own output. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pingFigures } from "../support/fault-lab.js";

const reply = (seq: number) => `64 bytes from 10.96.1.2: seq=${seq} ttl=64 time=0.101 ms`;
const summary = (sent: number, got: number) => `--- 10.96.1.2 ping statistics ---\n${sent} packets transmitted, ${got} packets received, ${Math.round(100 - (100 * got) / sent)}% packet loss`;

test("every reply: the longest gap is one interval", () => {
  const out = [0, 1, 2, 3].map(reply).join("\n") + "\n" + summary(4, 4);
  assert.equal(pingFigures(out, 20), { sent: 4, received: 4, longestGapMs: 20 });
});

test("a run of missing replies in the middle, at the start and at the end", () => {
  const out = [0, 1, 5, 6].map(reply).join("\n") + "\n" + summary(8, 4);
  assert.equal(pingFigures(out, 20), { sent: 8, received: 4, longestGapMs: 80 }, "seq 2-4 missing: 3 intervals + 1");
  assert.equal(pingFigures([3, 4].map(reply).join("\n") + "\n" + summary(5, 2), 10).longestGapMs, 40, "seq 0-2 missing");
  assert.equal(pingFigures(summary(50, 0), 10), { sent: 50, received: 0, longestGapMs: 510 }, "nothing answered");
});

test("no summary (ping killed): counted from the replies", () => {
  assert.equal(pingFigures([0, 2].map(reply).join("\n"), 20), { sent: 3, received: 2, longestGapMs: 40 });
});

test.run();
