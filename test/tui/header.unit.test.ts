import { test } from "uvu";
import * as assert from "uvu/assert";
import { convergenceText } from "@ovl/tui";

const behind = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${i + 1}`, status: "ready", lag: i === 0 ? 3 : null }));

test("the header names two nodes behind and counts the rest, so it stays one line at any size", () => {
  assert.equal(convergenceText({ converged: true, behind: [], line: "" }), { text: "✓ converged", color: "green" });
  assert.is(convergenceText({ converged: false, behind: behind(1), line: "" }).text, "≠ behind: r1 -3");
  assert.is(convergenceText({ converged: false, behind: behind(64), line: "" }).text, "≠ behind: r1 -3 r2? +62");
});

test.run();
