/**
 * The README's `nats` reads, done with the viewer's seed file and the CA alone, through the
 * plain `nats` client (not ovl's connect): the JetStream API calls the nats CLI makes for
 * `nats sub 'ovl.evt.>'`, `nats stream view OVL_EVENTS` (stream info, then an ordered
 * consumer delivering to the client's inbox) and `nats stream get OVL_EVENTS N`; and every
 * other thing the viewer tries is refused, the history unchanged.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, statSync } from "node:fs";
import { connect, nkeyAuthenticator, type Msg, type NatsConnection } from "nats";
import { nkeyFileFor, setupTls, startBroker, type Broker } from "@ovl/broker-setup";
import { subjects } from "@ovl/domain";
import { secureBed, type SecureBed } from "./secure-support.js";

let bed: SecureBed;
let viewer: NatsConnection;
let caFile: string;
let restarted: Broker | undefined;
const json = (m: Msg): Record<string, any> => JSON.parse(new TextDecoder().decode(m.data));
async function until(ok: () => boolean, ms: number, seen: () => string): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > end) throw new Error(`not refused in ${ms} ms; violations seen: ${seen()}`);
  }
}
const body = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));

test.before(async () => {
  bed = await secureBed();
  caFile = (await setupTls(bed.dir)).caFile;
  await bed.broker.stop();
});

test.after(async () => {
  await viewer?.close().catch(() => {});
  await bed?.close();
  await restarted?.stop();
});

test("the viewer connects from its seed file (mode 0600) and the CA, with the plain nats client", async () => {
  // The bed's broker was stopped to take TLS: start it again on the same store and port.
  restarted = await startBroker({ port: Number(new URL(bed.url).port), storeDir: bed.dir, serverName: "sec" });
  const seedFile = nkeyFileFor(bed.dir, "viewer");
  assert.is(statSync(seedFile).mode & 0o777, 0o600);
  // What `nats --nkey viewer.nk --tlsca ca.pem --inbox-prefix _INBOX_viewer` sets up.
  viewer = await connect({ servers: bed.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(seedFile, "utf8").trim())), tls: { caFile }, inboxPrefix: "_INBOX_viewer" });
  assert.ok(viewer.info?.tls_required, "the server speaks TLS");
});

test("nats sub 'ovl.evt.>' sees appends live; stream view and stream get read the history", async () => {
  const admin = await bed.as("admin", { tls: { caFile } });
  const js = admin.jetstream();
  const live = viewer.subscribe(subjects.EVENTS_WILDCARD, { max: 3 });
  await viewer.flush();
  for (const n of ["n1", "n2", "n3"]) await js.publish(`ovl.evt.node.${n}`, body({ node: n }));
  const got: string[] = [];
  for await (const m of live) got.push(m.subject);
  assert.equal(got, ["ovl.evt.node.n1", "ovl.evt.node.n2", "ovl.evt.node.n3"]);

  // nats stream view: STREAM.INFO, then an ordered (ephemeral, push, no acks) consumer.
  const info = json(await viewer.request(`$JS.API.STREAM.INFO.${subjects.STREAM_EVENTS}`, body({}), { timeout: 5000 }));
  assert.is(info.state.messages, 3);
  const deliver = `_INBOX_viewer.view.${Date.now()}`;
  const delivered = viewer.subscribe(deliver, { max: 3 });
  const config = { deliver_subject: deliver, deliver_policy: "all", ack_policy: "none", replay_policy: "instant", flow_control: true, idle_heartbeat: 5e9, mem_storage: true, num_replicas: 1, inactive_threshold: 5e9 };
  const created = json(await viewer.request(`$JS.API.CONSUMER.CREATE.${subjects.STREAM_EVENTS}`, body({ stream_name: subjects.STREAM_EVENTS, config }), { timeout: 5000 }));
  assert.not.ok(created.error, JSON.stringify(created.error));
  const viewed: string[] = [];
  for await (const m of delivered) viewed.push(m.subject);
  assert.equal(viewed, got);

  // nats stream get OVL_EVENTS 2
  const one = json(await viewer.request(`$JS.API.STREAM.MSG.GET.${subjects.STREAM_EVENTS}`, body({ seq: 2 }), { timeout: 5000 }));
  assert.is(one.message.subject, "ovl.evt.node.n2");
  assert.equal(JSON.parse(Buffer.from(one.message.data, "base64").toString()), { node: "n2" });
});

test("the viewer can do nothing else: commands, appends, stream deletion and purge, others' inboxes refused", async () => {
  for (const subject of [`$JS.API.STREAM.DELETE.${subjects.STREAM_EVENTS}`, `$JS.API.STREAM.PURGE.${subjects.STREAM_EVENTS}`, `$JS.API.STREAM.MSG.DELETE.${subjects.STREAM_EVENTS}`, "ovl.cmd.run"]) {
    const err = await viewer.request(subject, body({}), { timeout: 2000 }).then(() => null, (e: { code?: string; message: string }) => e);
    assert.ok(err && (err.code === "PERMISSIONS_VIOLATION" || /Permissions Violation/i.test(err.message)), `${subject}: ${err?.code} ${err?.message}`);
  }
  // Core publish and subscribe do not throw: the server refuses them and says so on the status stream.
  const violations: string[] = [];
  void (async () => {
    for await (const st of viewer.status()) {
      const ctx = (st as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (st.data === "PERMISSIONS_VIOLATION" && ctx) violations.push(`${ctx.operation} ${ctx.subject}`);
    }
  })();
  viewer.publish("ovl.evt.node.evil", body({}));
  viewer.subscribe("_INBOX_operator.>");
  await until(() => violations.includes("publish ovl.evt.node.evil") && violations.includes("subscription _INBOX_operator.>"), 3000, () => violations.join(", "));
  const admin = await bed.as("admin", { tls: { caFile } });
  const info = await (await admin.jetstreamManager()).streams.info(subjects.STREAM_EVENTS);
  assert.is(info.state.messages, 3, "the history is unchanged");
});

test.run();
