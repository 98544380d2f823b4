/** Two coordinators in one queue group race on 1,000 concurrent starts: distinct addresses, every request answered once. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { subjects } from "@ovl/domain";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { readEvents } from "../support/stream.js";

const b = suiteBed(test);

test("1,000 concurrent starts across two coordinators", async () => {
  const a = await b.coordinator({ db: "a.db", cluster: { cidr: "198.19.0.0/18" } });
  const c = await b.coordinator({ db: "b.db" });
  for (const n of [1, 2, 3, 4, 5]) ok(await ask(b.nc, subjects.reportSubject(`n${n}`, "join"), join_(`n${n}`, `198.18.0.${10 + n}`)));
  const clients = await Promise.all([1, 2, 3, 4].map(() => b.srv.connect()));
  try {
    const t0 = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => ask(clients[i % 4]!, subjects.commandSubject("run"), run_(`r${i}`))),
    );
    const ms = Date.now() - t0;
    const failed = replies.filter((r) => !r.ok);
    assert.equal(failed, [], `${failed.length} failed`);
    const results = replies.map((r) => ok(r));
    const addresses = new Set(results.map((r: any) => r.ip));
    assert.is(addresses.size, 1000);
    const events = (await readEvents(b.nc)).filter((e) => e.type === "ContainerStarted");
    assert.is(events.length, 1000);
    const byName = new Map(events.map((e) => [(e.data as any).name, e]));
    for (const r of results as any[]) {
      assert.is((byName.get(r.name)!.data as any).ip, r.ip);
      assert.is(byName.get(r.name)!.seq, r.seq);
    }
    const conflicts = b.logs.filter((l) => l.startsWith("conflict:")).length;
    console.log(`  1000 starts in ${ms} ms over two coordinators, ${conflicts} conflicts resolved`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(a.state(), c.state());
    assert.is(a.seq(), c.seq());
  } finally {
    for (const nc of clients) await nc.close();
  }
});

test.run();
