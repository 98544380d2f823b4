/** The projection is the fold of the stream: rows equal foldEvents(all events), and a deleted file rebuilds identically. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { foldEvents, subjects } from "@ovl/domain";
import { loadStateFromDb } from "@ovl/coordinator";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { lastSeq, readEvents } from "../support/stream.js";

const b = suiteBed(test);

function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = ["meta", "cluster", "nodes", "containers", "requests"];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()]));
  } finally {
    db.close();
  }
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

test("a few thousand events: rows == foldEvents(stream); deleting the file rebuilds the same rows", async () => {
  let h = await b.coordinator({ cluster: { cidr: "198.19.0.0/18", blockPrefix: 24 } });
  const nodes = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
  await inBatches(nodes, 12, async (n) => ok(await ask(b.nc, subjects.reportSubject(n, "join"), join_(n, `198.18.0.${11 + nodes.indexOf(n)}`))));
  const names = Array.from({ length: 2400 }, (_, i) => `c${i}`);
  // Every 50th with aliases: the rows keep them, so a restarted coordinator still refuses an ambiguous name.
  const aliases = (name: string) => (Number(name.slice(1)) % 50 === 1 ? { aliases: [`a-${name}`, `b-${name}`] } : {});
  await inBatches(names, 200, async (name) => ok(await ask(b.nc, subjects.commandSubject("run"), run_(name, undefined, aliases(name)))));
  const ps = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  await inBatches(ps.slice(0, 800), 200, async (r: any) =>
    ok(await ask(b.nc, subjects.reportSubject(r.node, "container"), { node: r.node, name: r.name, ip: r.ip, state: r.name.endsWith("7") ? "failed" : "running", reason: "boom" })),
  );
  await inBatches(names.filter((_, i) => i % 5 === 0), 200, async (name) => ok(await ask(b.nc, subjects.commandSubject("rm"), { name })));
  ok(await ask(b.nc, subjects.commandSubject("leave"), { node: "n3" }));
  ok(await ask(b.nc, subjects.reportSubject("n3", "left"), { node: "n3" }));
  ok(await ask(b.nc, subjects.commandSubject("leave"), { node: "n4" }));
  // a message that is not an event: skipped by every reader, but it takes a sequence
  await b.nc.jetstream().publish(`${subjects.EVENT_SUBJECT_PREFIX}.junk`, "not json");
  await new Promise((r) => setTimeout(r, 200));
  const last = await lastSeq(b.nc);
  assert.ok(last > 3000, `only ${last} events`);
  await h.stop();

  const path = join(b.dir, "coord.db");
  const all = await readEvents(b.nc);
  assert.is(all.length, last - 1); // all but the junk message
  const fromDb = loadStateFromDb(path);
  assert.is(fromDb.seq, last);
  assert.equal(fromDb.state, foldEvents(all));
  assert.equal(fromDb.state.nodes[ps.find((r: any) => r.name === "c51").node]?.containers.c51?.aliases, ["a-c51", "b-c51"]);
  assert.ok(b.logs.some((l) => /event \d+ on ovl\.evt\.junk skipped: event is not JSON/.test(l)));

  copyFileSync(path, join(b.dir, "before.db"));
  const before = dump(path);
  rmSync(path);
  rmSync(path + "-wal", { force: true });
  rmSync(path + "-shm", { force: true });
  const t0 = Date.now();
  h = await b.coordinator();
  const ms = Date.now() - t0;
  await h.stop();
  const after = dump(path);
  assert.equal(after, before);
  console.log(`  rebuilt ${last} events in ${ms} ms; ${before.containers!.length} containers, ${before.requests!.length} requests`);
});

test.run();
