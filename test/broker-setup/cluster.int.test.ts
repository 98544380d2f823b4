/**
 * A 3-server cluster started by `startCluster` (identities and TLS on clients and routes),
 * streams with 3 replicas, and the stream leader killed (-9) while a publisher appends with
 * Nats-Msg-Id and retries: publishing resumes, nothing is lost, nothing stored twice.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamManager, NatsConnection } from "nats";
import { subjects } from "@ovl/domain";
import { addIdentity, credsFileFor, ensureStreams, setupTls, startCluster, type LocalCluster } from "@ovl/broker-setup";
import { connectNats } from "@ovl/client";
import { until } from "../support/wait.js";

let dir: string;
let cluster: LocalCluster | undefined;
const conns: NatsConnection[] = [];

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "ovl-cluster-"));
});
test.after(async () => {
  for (const nc of conns) await nc.close().catch(() => {});
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function connectAdmin(url: string): Promise<NatsConnection> {
  const nc = await connectNats({ url, name: "test admin", credsFile: credsFileFor(dir, "admin"), tls: { caFile: join(dir, "tls", "ca.pem") }, connectTimeoutMs: 10_000 });
  conns.push(nc);
  return nc;
}


const leaderOf = (jsm: JetStreamManager) =>
  until("a stream leader with all replicas current", 30_000, async () => {
    const info = await jsm.streams.info(subjects.STREAM_EVENTS);
    const replicas = info.cluster?.replicas ?? [];
    return info.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current) ? info.cluster.leader : null;
  });

test("3 servers, replicas 3, leader killed: publishing resumes, none lost, none twice", async () => {
  addIdentity(dir, "admin");
  await setupTls(dir);
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  cluster = await startCluster({ home: dir, size: 3, port: base, routePort: base + 10, namePrefix: "t" });
  assert.is(cluster.servers.length, 3);
  const admin = await connectAdmin(cluster.url);
  const jsm = await admin.jetstreamManager({ checkAPI: false });
  await until("JetStream meta leader", 30_000, async () => ensureStreams(jsm, { replicas: 3 }));
  assert.is((await until("stream info", 20_000, () => jsm.streams.info(subjects.STREAM_EVENTS))).config.num_replicas, 3);
  const leader = await leaderOf(jsm);
  const k = cluster.names.indexOf(leader);
  assert.ok(k >= 0, leader);

  // The publisher talks to the leader first, as an appending coordinator would.
  const order = [cluster.servers[k]!.url, ...cluster.servers.filter((_, i) => i !== k).map((s) => s.url)].join(",");
  const pub = await connectAdmin(order);
  const js = pub.jetstream({ timeout: 2000 });
  const total = 300;
  let errors = 0;
  let killedAt = 0;
  let resumedAfter = -1;
  for (let i = 1; i <= total; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        await js.publish(`${subjects.EVENT_SUBJECT_PREFIX}.test.m${i}`, new TextEncoder().encode(`{"i":${i}}`), { msgID: `m-${i}` });
        if (killedAt && resumedAfter < 0) resumedAfter = Date.now() - killedAt;
        break;
      } catch {
        errors++;
        assert.ok(attempt < 200, `message ${i} never acknowledged`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (i === 100) {
      killedAt = Date.now();
      await cluster.servers[k]!.kill();
    }
  }
  console.log(`  leader ${leader} killed: publishing resumed after ${resumedAfter} ms (${errors} failed attempts retried)`);
  const survivor = await connectAdmin(cluster.servers.filter((_, i) => i !== k).map((s) => s.url).join(","));
  const sjsm = await survivor.jetstreamManager({ checkAPI: false });
  const info = await until("stream info after failover", 20_000, () => sjsm.streams.info(subjects.STREAM_EVENTS));
  assert.is(info.state.messages, total, "every acknowledged message stored once");
  assert.is(info.state.last_seq, total, "no gap, nothing twice");
  assert.not.equal(info.cluster?.leader, leader);
  for (const seq of [1, 100, 101, total]) {
    const m = await sjsm.streams.getMessage(subjects.STREAM_EVENTS, { seq });
    assert.is(m.subject, `${subjects.EVENT_SUBJECT_PREFIX}.test.m${seq}`);
  }
});

test.run();
