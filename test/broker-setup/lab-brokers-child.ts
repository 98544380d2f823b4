/**
 * Run by cluster-lab.int.test.ts inside a namespace of its own (where 198.18.0.1 is on its
 * loopback): the lab's 3 brokers started by control.ts, streams with 3 replicas, the stream
 * leader found by its server name and killed, publishing resumed. Prints one JSON line per
 * step; every broker is stopped by its PID before exit.
 */
import { connectNats } from "@ovl/client";
import { subjects } from "@ovl/domain";
import { brokerRecordFor, labIdentityEnv, natsUrlOf, prepareLabAuth, startBrokers, stopProcs, waitBrokers } from "@ovl/lab";

const labDir = process.argv[2]!;
const say = (o: object) => console.log(JSON.stringify(o));
// Locked as `ovl up` runs them: identities and TLS first, the child connects as admin.
await prepareLabAuth(labDir, []);
const admin = labIdentityEnv(labDir, "admin");
const recs = startBrokers(labDir, 3);
say({ pids: recs.map((r) => r.pid) });
try {
  await waitBrokers(recs, undefined, labDir);
  const nc = await connectNats({ url: natsUrlOf(3), name: "child", connectTimeoutMs: 5000, credsFile: admin.OVL_NATS_CREDS!, tls: { caFile: admin.OVL_NATS_CA! } });
  const jsm = await nc.jetstreamManager();
  let info = await jsm.streams.info(subjects.STREAM_EVENTS);
  for (let i = 0; i < 100 && !(info.cluster?.leader && info.cluster.replicas?.length === 2 && info.cluster.replicas.every((r) => r.current)); i++) {
    await new Promise((r) => setTimeout(r, 200));
    info = await jsm.streams.info(subjects.STREAM_EVENTS);
  }
  const leader = info.cluster!.leader!;
  const rec = brokerRecordFor(recs, leader)!;
  say({ replicas: info.config.num_replicas, leader, leaderPid: rec.pid });
  const js = nc.jetstream({ timeout: 2000 });
  for (let i = 1; i <= 60; i++) {
    if (i === 21) process.kill(rec.pid, "SIGKILL");
    for (let attempt = 0; ; attempt++) {
      try {
        await js.publish(`${subjects.EVENT_SUBJECT_PREFIX}.test.m${i}`, new TextEncoder().encode("{}"), { msgID: `m-${i}` });
        break;
      } catch (err) {
        if (attempt > 600) throw err; // 60 s: an election after the leader's kill took over 30 s once on a loaded 2-core machine
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  const after = await jsm.streams.info(subjects.STREAM_EVENTS);
  say({ messages: after.state.messages, lastSeq: after.state.last_seq, newLeader: after.cluster?.leader });
  await nc.close();
} finally {
  const left = await stopProcs(recs, 5000);
  say({ stopped: true, left: left.length });
}
