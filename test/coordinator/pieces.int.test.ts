/**
 * Listings larger than the broker's max_payload come back whole, in pieces: a nats-server
 * at 64 KB, 250 nodes and 3,000 containers (a history appended in bulk), every listing
 * through the client and the real `ovl` command. A coordinator killed while it sends a
 * reply in pieces leaves the asker with an error, never with part of the listing.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { DEFAULT_CLUSTER, PIECE_HEADERS, subjects, type PsRow } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { OvlClient } from "@ovl/client";
import { runCoordinator, type CoordinatorHandle } from "@ovl/coordinator";
import { startNats, type TestNats } from "../support/nats.js";
import { ROOT, ovl } from "../support/ovl.js";
import { fillStream, history } from "../../bench/lib/history.js";

const MAX_PAYLOAD = 64 * 1024;
const NODES = 250;
const CONTAINERS = 3000;
const CLUSTER = { ...DEFAULT_CLUSTER, cidr: "198.19.0.0/16", blockPrefix: 24 };

let srv: TestNats;
let nc: NatsConnection;
let dir: string;
let coordinator: CoordinatorHandle | null = null;
let coordNc: NatsConnection | null = null;
let client: OvlClient;

test.before(async () => {
  srv = await startNats({ maxPayload: MAX_PAYLOAD });
  dir = mkdtempSync(join(tmpdir(), "ovl-pieces-"));
  nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  // r1..r250 with a /24 each, then containers round-robin over the nodes: 12 per node, all running.
  await fillStream(nc, history(1 + 2 * NODES + 2 * CONTAINERS, { nodes: NODES, cluster: CLUSTER }), false);
  coordNc = await srv.connect();
  coordinator = await runCoordinator({ nc: coordNc, dbPath: join(dir, "coord.db"), lostAfterMs: 0 });
  client = new OvlClient(await srv.connect(), { timeoutMs: 30_000 });
});
test.after(async () => {
  await client?.close();
  await coordinator?.stop();
  await coordNc?.close();
  await nc?.close();
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => ovl(["--nats", srv.url, ...args], { timeoutMs: 60_000 });

test("the server takes 64 KB, the listings are many times that", async () => {
  assert.is(nc.info?.max_payload, MAX_PAYLOAD);
  const rows = await client.ps();
  assert.ok(JSON.stringify(rows).length > 8 * MAX_PAYLOAD, `${JSON.stringify(rows).length} bytes`);
});

test("ps, nodes and state through the client: whole", async () => {
  const rows = await client.ps();
  assert.is(rows.length, CONTAINERS);
  assert.is(new Set(rows.map((r) => r.name)).size, CONTAINERS);
  assert.is(new Set(rows.map((r) => r.ip)).size, CONTAINERS);
  assert.ok(rows.every((r) => r.state === "running"));
  const nodes = await client.nodes();
  assert.is(nodes.length, NODES);
  assert.is(nodes.reduce((n, r) => n + r.containers, 0), CONTAINERS);
  const { state } = await client.state();
  assert.is(Object.keys(state.nodes).length, NODES);
});

test("ps filtered on the coordinator's side", async () => {
  const r7 = await client.ps({ node: "r7" });
  assert.is(r7.length, CONTAINERS / NODES);
  assert.ok(r7.every((r) => r.node === "r7"));
  assert.equal(await client.ps({ node: "r7", state: "failed" }), []);
  assert.is((await client.ps({ state: "running", network: "ovl" })).length, CONTAINERS);
});

test("ovl ps --json, ovl ps and ovl nodes --json: whole through the real command", async () => {
  const json = await cli("ps", "--json");
  assert.is(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as PsRow[];
  assert.equal(rows, await client.ps());
  const table = await cli("ps");
  assert.is(table.code, 0, table.stderr);
  assert.is(table.stdout.trimEnd().split("\n").length, CONTAINERS + 1, "a header and one line per container");
  const nodes = await cli("nodes", "--json");
  assert.is(nodes.code, 0, nodes.stderr);
  assert.is((JSON.parse(nodes.stdout) as unknown[]).length, NODES);
  const one = await cli("ps", "--node", "r7", "--state", "running", "--json");
  assert.is((JSON.parse(one.stdout) as PsRow[]).length, CONTAINERS / NODES);
});

test("a bad filter is refused by the coordinator with a clear message (exit 2), an unknown network too (exit 1)", async () => {
  const r = await cli("ps", "--state", "sleeping");
  assert.is(r.code, 2);
  assert.match(r.stderr, /invalid state "sleeping": expected one of pending, running, failed, exited, lost/);
  // A network that does not exist (yet) is not a malformed filter: not found, exit 1.
  const n = await cli("ps", "--network", "blue");
  assert.is(n.code, 1);
  assert.match(n.stderr, /unknown network "blue" \(see `ovl network ls`\)/);
});

/** Starts the coordinator in its own process, pieces 50 ms apart. */
async function childCoordinator(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test", "coordinator", "pieces-coordinator-child.ts"), srv.url, join(dir, "child.db"), "50"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.resume();
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("serving") && resolve());
    child.once("exit", (code) => reject(new Error(`the coordinator child exited (${code}) before serving`)));
  });
  return child;
}

test("a coordinator killed while it sends a reply: an error, never a partial listing", async () => {
  await coordinator!.stop();
  coordinator = null;
  const child = await childCoordinator();
  const exited = new Promise((r) => child.once("exit", r));
  try {
    // Watch the CLI's inbox; at the first piece of the reply, kill the coordinator by PID.
    const watch = await srv.connect();
    let pieces = 0;
    watch.subscribe(`${subjects.inboxPrefixFor("ovl-cli")}.>`, {
      callback: (_err, m) => {
        if (m.headers?.has(PIECE_HEADERS.piece) && ++pieces === 1) child.kill("SIGKILL");
      },
    });
    await watch.flush();
    const r = await cli("ps", "--json");
    await exited;
    await watch.close();
    assert.ok(pieces >= 1, "the reply started");
    assert.is(r.code, 1, r.stdout.slice(0, 200));
    assert.is(r.stdout, "", "nothing of the listing is printed");
    assert.match(r.stderr, /the reply on ovl\.qry\.ps was cut after \d+ of \d+ pieces/);
    const [, got, of] = /cut after (\d+) of (\d+)/.exec(r.stderr)!;
    assert.ok(Number(got) < Number(of), r.stderr);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  }
});

test.run();
