/**
 * A rolling upgrade on the lab (docs/operations.md): two coordinators restarted one at a time,
 * then each node's agent, the way a service manager restarts them onto new code (SIGTERM,
 * then the command again), while two containers on n1 and n2 ping each other every 10 ms
 * and a client starts a container during each coordinator's restart. At most one ping is
 * lost per agent restart; every request is answered once, every container's events are
 * in the history once (no event lost or applied twice), and afterwards both coordinators
 * and both agents say which code they run. Needs root (without it: says so and passes);
 * waits for another lab to come down (OVL_E2E_LAB_WAIT_S, default 600 s).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { IMAGE, labDown, labUpWhenFree, natsUrlOf, startBrokers, stopProcs, waitBrokers, type LabInfo, type ProcRecord } from "@ovl/lab";
import { OvlClient, readCoordinatorBeats, readEvents } from "@ovl/client";
import { buildVersion, liveCoordinators, type StoredEvent } from "@ovl/domain";
import { isRoot } from "../support/lab.js";
import { waitFor } from "../support/wait.js";
import { CLUSTER_ARGS, labAgentProc, pingEachOther, pingFigures, startPingPair, type startPing } from "../support/fault-lab.js";
import { coordinatorProc, type Child } from "../support/procs.js";

process.env.OVL_FROM_SOURCE = "1";
const INTERVAL_MS = 10;
const log = (l: string) => console.log(`    ${l}`);

test("rolling upgrade: coordinators one at a time, then agents; pings and history intact", async () => {
  if (!isRoot()) return void console.log("    skipped: needs root");
  const dir = mkdtempSync(join(tmpdir(), "ovl-upgrade-lab-"));
  const work = mkdtempSync(join(tmpdir(), "ovl-upgrade-work-"));
  const info: LabInfo = await labUpWhenFree({ nodes: 2, dir, startControlPlane: false, ensurePackages: false, log }, Number(process.env.OVL_E2E_LAB_WAIT_S ?? 600) * 1000);
  let brokers: ProcRecord[] = [];
  const procs: Child[] = [];
  let nc: NatsConnection | null = null;
  const pings: ReturnType<typeof startPing>[] = [];
  try {
    brokers = startBrokers(dir, 1);
    await waitBrokers(brokers);
    const url = natsUrlOf(1);
    const coordinators = [1, 2].map((k) => coordinatorProc(url, join(work, `coordinator-${k}.db`), [], CLUSTER_ARGS));
    const agents = info.nodes.map((n) => labAgentProc(n, url, work));
    procs.push(...coordinators, ...agents);
    for (const c of coordinators) await c.start(); // one after the other: the first creates the cluster
    await Promise.all(agents.map((a) => a.start()));
    nc = await connect({ servers: url, maxReconnectAttempts: -1, name: "upgrade-test" });
    const client = new OvlClient(nc, { timeoutMs: 30_000, attemptMs: 2000 });

    const pair = await startPingPair(client, info);
    pings.push(...pingEachOther(pair, INTERVAL_MS));
    await new Promise((r) => setTimeout(r, 1000));

    // 1. Coordinators one at a time, a container started while each is down (the other serves it).
    const started: string[] = [];
    for (const [k, c] of coordinators.entries()) {
      await c.stop();
      const name = `up-${k + 1}`;
      await client.run({ name, node: info.nodes[k % 2]!.name, image: IMAGE, cmd: [], ports: [] });
      started.push(name);
      await c.start();
      log(`coordinator ${k + 1} restarted; ${name} started meanwhile`);
    }
    // 2. Agents one at a time, each back (joined) before the next goes.
    for (const a of agents) {
      await a.stop();
      await a.start();
      log(`${a.name} restarted`);
    }
    await waitFor("every container running", async () => {
      const ps = await client.ps();
      return [...pair.map((p) => p.name), ...started].every((n) => ps.find((r) => r.name === n)?.state === "running");
    }, 60_000);
    await new Promise((r) => setTimeout(r, 1000));

    const outs = await Promise.all(pings.map((p) => p.stop()));
    for (const [i, out] of outs.entries()) {
      const f = pingFigures(out, INTERVAL_MS);
      log(`${pair[i]!.name} -> ${pair[1 - i]!.name}: ${f.received}/${f.sent}, longest gap ${f.longestGapMs} ms`);
      assert.ok(f.sent > 100, `pings went out (${f.sent})`);
      assert.ok(f.sent - f.received <= agents.length, `${pair[i]!.name}: ${f.sent - f.received} pings lost over ${agents.length} agent restarts`);
    }

    // 3. The history: each container started once and running once, each node joined once.
    const events: StoredEvent[] = [];
    for await (const item of readEvents(nc)) if (item.ok) events.push(item.event);
    const count = (type: string, key: string, value: string) => events.filter((e) => e.type === type && (e.data as Record<string, unknown>)[key] === value).length;
    for (const name of [...pair.map((p) => p.name), ...started]) {
      assert.is(count("ContainerStarted", "name", name), 1, `${name} started once`);
      assert.is(count("ContainerRunning", "name", name), 1, `${name} running once`);
    }
    for (const n of info.nodes) assert.is(count("NodeJoined", "node", n.name), 1, `${n.name} joined once`);
    assert.equal(events.map((e) => e.seq), events.map((_, i) => i + 1), "no gap in the sequence");

    // 4. Which code runs: both agents' heartbeats and both coordinators' presence beats.
    const nodes = await client.nodes();
    assert.equal(nodes.map((n) => n.agentVersion), info.nodes.map(() => buildVersion()));
    const beats = await readCoordinatorBeats(nc);
    assert.ok(beats.read, beats.read ? "" : beats.why);
    assert.equal(liveCoordinators(beats.read ? beats.beats : [], Date.now()).map((b) => b.version), [buildVersion(), buildVersion()]);
  } catch (err) {
    for (const p of procs) log(`--- ${p.name} (last output)\n${p.output().slice(-1500)}`);
    throw err;
  } finally {
    for (const p of pings) await p.stop().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await stopProcs(brokers, 15_000);
    const report = await labDown({ dir, log }).catch((err: Error) => ({ warnings: [err.message] }));
    report.warnings.forEach((w) => log(`lab down warning: ${w}`));
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
