import "./dev-mode.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventEmitter } from "node:events";
import { ENTER_ALT, enterAltScreen, LEAVE_ALT } from "@ovl/tui";

/** A process-like emitter and a capturing stream: the real handlers run against them. */
function harness() {
  const written: string[] = [];
  const out = { write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  const proc = Object.assign(new EventEmitter(), {
    stderr: { write: (s: string) => (written.push(s), true) },
    exitCode: undefined as number | undefined,
    exit(code: number) {
      this.exitCode = code;
    },
  });
  return { written, out, proc: proc as unknown as NodeJS.Process & { exitCode?: number } };
}

test("alternate screen: entered at once, left once, on exit", () => {
  const h = harness();
  const screen = enterAltScreen(h.out, h.proc);
  assert.equal(h.written, [ENTER_ALT]);
  h.proc.emit("exit", 0);
  screen.leave();
  assert.equal(h.written, [ENTER_ALT, LEAVE_ALT]);
  assert.is(h.proc.listenerCount("exit"), 0, "handlers removed once left");
});

test("alternate screen: a crash leaves it before printing the error, and exits 1", () => {
  const h = harness();
  enterAltScreen(h.out, h.proc);
  h.proc.emit("uncaughtException", new Error("boom"));
  assert.is(h.written[1], LEAVE_ALT);
  assert.match(h.written[2]!, /^ovl tui crashed: Error: boom/);
  assert.is(h.proc.exitCode, 1);
});

test("alternate screen: SIGTERM asks the app to unmount (which then leaves it)", () => {
  const h = harness();
  let unmounted = 0;
  const screen = enterAltScreen(h.out, h.proc, () => unmounted++);
  h.proc.emit("SIGTERM");
  assert.is(unmounted, 1);
  screen.leave();
  assert.is(h.proc.listenerCount("SIGTERM"), 0);
});

test.run();
