/**
 * A listing of a whole cluster is one reply: `ovl ps` with hundreds of containers is far
 * above the 64 KiB request limit and must still come back whole through the client.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { subjects } from "@ovl/domain";
import { OvlClient } from "@ovl/client";
import { ask, join_, ok, suiteBed } from "./support.js";

const b = suiteBed(test);

test("ps of 600 containers (about 150 KB) comes back whole", async () => {
  await b.coordinator({ cluster: { cidr: "198.19.0.0/18", blockPrefix: 24 }, lostAfterMs: 0 });
  for (const [k, node] of ["n1", "n2", "n3"].entries()) {
    ok(await ask(b.nc, subjects.reportSubject(node, "join"), join_(node, `198.18.0.${11 + k}`)));
  }
  const client = new OvlClient(b.nc, { timeoutMs: 60_000 });
  const names = Array.from({ length: 600 }, (_, i) => `c${i}`);
  for (let i = 0; i < names.length; i += 100) {
    await Promise.all(names.slice(i, i + 100).map((name) => client.run({ name, image: "busybox", cmd: ["sleep", "3600"], ports: [] })));
  }
  const rows = await client.ps();
  assert.is(rows.length, 600);
  assert.is(new Set(rows.map((r) => r.ip)).size, 600, "every container has its own address");
  assert.ok(JSON.stringify(rows).length > 64 * 1024, "the reply is larger than a request may be");
});

test.run();
