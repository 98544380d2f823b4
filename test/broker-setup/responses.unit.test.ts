/**
 * A reply in pieces is several responses to one request: the coordinator's identity must be
 * allowed MAX_PIECES of them (`allow_responses: true` lets one through, shown against 2.9.10).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nkeys } from "nats";
import { MAX_PIECES } from "@ovl/domain";
import { renderServerConfig } from "@ovl/broker-setup";

test("the coordinator may send MAX_PIECES responses per request; no other role any", () => {
  const key = () => nkeys.createUser().getPublicKey();
  const text = renderServerConfig({
    storeDir: "/s",
    identities: [
      { user: "coordinator", role: "coordinator", nkey: key() },
      { user: "operator", role: "operator", nkey: key() },
    ],
  });
  const lines = text.split("\n");
  assert.match(lines.find((l) => l.includes("# coordinator"))!, new RegExp(`allow_responses: \\{ max: ${MAX_PIECES} \\}`));
  assert.not.match(lines.find((l) => l.includes("# operator"))!, /allow_responses/);
});

test.run();
