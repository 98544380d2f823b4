import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeJson, parseCoordinatorBeat } from "@ovl/domain";
import { presenceBeat, presenceId } from "@ovl/coordinator";

test("a coordinator's presence beat is what every reader parses (checked here once, not at every beat)", () => {
  const id = presenceId("host-a", "/var/lib/ovl/coordinator.db");
  assert.match(id, /^[0-9a-f]{12}$/);
  const beat = presenceBeat(id, "host-a", new Date("2026-12-05T10:00:00Z"), "0.1.0+abc", { seq: 42, since: "2026-12-05T09:00:00.000Z" });
  assert.equal(parseCoordinatorBeat(encodeJson(beat)), beat);
  assert.is(presenceId("host-a", "/var/lib/ovl/coordinator.db"), id, "the same machine and database: the same id across restarts");
});

test.run();
