/** `--at` input: a sequence, an ISO time or a time ago. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlError } from "@ovl/domain";
import { parseAt } from "@ovl/client";

const NOW = new Date("2026-01-02T03:04:05.000Z");
const at = suite("parseAt");

at("a whole number is a sequence", () => {
  assert.equal(parseAt("42", NOW), { kind: "seq", seq: 42 });
  assert.equal(parseAt(" 0 ", NOW), { kind: "seq", seq: 0 });
});

at("a time ago counts back from now", () => {
  const ago = (raw: string) => (parseAt(raw, NOW) as { time: Date }).time.toISOString();
  assert.is(ago("90s"), "2026-01-02T03:02:35.000Z");
  assert.is(ago("10m"), "2026-01-02T02:54:05.000Z");
  assert.is(ago("2h"), "2026-01-02T01:04:05.000Z");
  assert.is(ago("1d"), "2026-01-01T03:04:05.000Z");
});

at("an ISO time, with a zone or without (UTC), or a date", () => {
  const t = (raw: string) => (parseAt(raw, NOW) as { time: Date }).time.toISOString();
  assert.is(t("2026-01-01T10:00:00Z"), "2026-01-01T10:00:00.000Z");
  assert.is(t("2026-01-01T10:00:00.250+02:00"), "2026-01-01T08:00:00.250Z");
  assert.is(t("2026-01-01T10:00"), "2026-01-01T10:00:00.000Z");
  assert.is(t("2026-01-01"), "2026-01-01T00:00:00.000Z");
});

at("anything else is INVALID_INPUT naming the three forms", () => {
  for (const raw of ["", "-3", "10 m", "10y", "yesterday", "2026-13-45T99:00Z", "1e3"]) {
    try {
      parseAt(raw, NOW);
      assert.unreachable(`${raw} was accepted`);
    } catch (err) {
      assert.instance(err, OvlError);
      assert.is((err as OvlError).code, "INVALID_INPUT");
      assert.match((err as Error).message, /a sequence \(42\), an ISO time .* or a time ago/);
    }
  }
});

at.run();
