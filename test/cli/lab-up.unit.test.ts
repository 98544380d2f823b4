/** `ovl up` when lab nodes did not join: each one named, with the error its agent ended with. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { lastErrorLine, notJoinedMessage } from "@ovl/cli";

test("the last error an agent's log ends with is quoted, without its prefix; none when it said none", () => {
  const log = "2026-12-06T03:54:55Z docker plugin: serving\nerror: first\n2026-12-06T03:54:56Z snapshots: CONNECTION_DRAINING\nerror: node n4 cannot join: not on the LAN subnet\n";
  assert.is(lastErrorLine(log), "node n4 cannot join: not on the LAN subnet");
  assert.is(lastErrorLine("2026-12-06T03:54:55Z joined\n"), null);
  assert.is(lastErrorLine(""), null);
});

test("each node that did not join gets a line: why its agent ended, or where its log is", () => {
  const msg = notJoinedMessage(3, 5, 60, [
    { name: "n4", log: "/var/lib/ovl-lab/logs/agent-n4.log", error: "node n4 cannot join: not on the LAN subnet" },
    { name: "n5", log: "/var/lib/ovl-lab/logs/agent-n5.log", error: null },
  ]);
  assert.is(msg, [
    "only 3 of 5 lab nodes joined within 60 s",
    "n4: node n4 cannot join: not on the LAN subnet",
    "n5: its agent said nothing of why (see /var/lib/ovl-lab/logs/agent-n5.log)",
  ].join("\n"));
});

test.run();
