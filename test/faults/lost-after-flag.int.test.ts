/** `ovl coordinator --lost-after SEC`: listed in help, bad values refused before anything starts (the real binary, from source). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ovl } from "../support/ovl.js";

const env = { OVL_FROM_SOURCE: "1" };

test("--lost-after is documented", async () => {
  const r = await ovl(["coordinator", "--help"], { env });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /--lost-after <sec>/);
});

test("bad --lost-after values: one line on stderr, non-zero exit, nothing started", async () => {
  for (const bad of ["-1", "abc", "1e3", "86401", ""]) {
    const r = await ovl(["--nats", "nats://127.0.0.1:1", "coordinator", "--db", "/nonexistent/x.db", "--lost-after", bad], { env, timeoutMs: 20_000 });
    assert.is.not(r.code, 0, bad);
    assert.match(r.stderr, /lost-after/, bad);
    assert.is(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test.run();
