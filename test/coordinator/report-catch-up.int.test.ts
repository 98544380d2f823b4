/**
 * A report that reaches a coordinator whose projection has not folded the container's start
 * yet (another coordinator appended it; this one lags): it catches up with the stream first
 * and decides against the caught-up state, so the container is running at once instead of
 * pending until the agent's next periodic report. The coordinator is behind a proxy that
 * holds its deliveries from OVL_EVENTS while its requests and replies flow (hold-proxy.ts).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { RESERVATION_IMAGE, encodeEnvelope, envelope, macFor, subjectFor, subjects, type OvlEvent } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { runCoordinator, type CoordinatorHandle } from "@ovl/coordinator";
import { startNats, type TestNats } from "../support/nats.js";
import { holdProxy, type HoldProxy } from "../support/hold-proxy.js";
import { lastSeq, readEvents } from "../support/stream.js";
import { waitFor } from "../support/wait.js";
import { ask, join_, ok } from "./support.js";

let srv: TestNats;
let nc: NatsConnection;
let proxy: HoldProxy;
let behindNc: NatsConnection;
let behind: CoordinatorHandle;
const dir = mkdtempSync(join(tmpdir(), "ovl-report-catch-up-"));
const logs: string[] = [];

test.before(async () => {
  srv = await startNats();
  nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  proxy = await holdProxy(srv.port, subjects.STREAM_EVENTS);
  behindNc = await connect({ servers: proxy.url });
  behind = await runCoordinator({ nc: behindNc, dbPath: join(dir, "behind.db"), log: (l) => logs.push(l), lostAfterMs: 0, cluster: { cidr: "198.19.0.0/18" } });
  ok(await ask(nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11")));
});
test.after(async () => {
  proxy?.release();
  await behind?.stop();
  await behindNc?.close();
  await proxy?.close();
  await nc?.close();
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Appends `event` as another coordinator would: expecting the stream's last sequence. */
async function appendElsewhere(event: OvlEvent, requestId: string): Promise<number> {
  const last = await lastSeq(nc);
  const ack = await nc.jetstream().publish(subjectFor(event), encodeEnvelope(envelope(event, new Date().toISOString(), requestId)), { expect: { lastSequence: last } });
  return ack.seq;
}

const startedOn = (name: string, ip: string): OvlEvent => ({ type: "ContainerStarted", data: { name, node: "n1", ip, mac: macFor(ip), image: "busybox", cmd: ["sleep", "1000"], ports: [] } });
const report = (name: string, ip: string, state: "running" | "exited") => ({ node: "n1", name, ip, state, ...(state === "exited" ? { exitCode: 0 } : {}) });
const reportSubject = subjects.reportSubject("n1", "container");
const blockIp = (host: number): string => {
  const subnet = behind.state().nodes.n1!.subnet!;
  return subnet.replace(/\.0\/\d+$/, `.${host}`);
};

test("a report about a start the coordinator has not folded yet makes the container running once it catches up", async () => {
  const ip = blockIp(2);
  proxy.hold();
  const seq = await appendElsewhere(startedOn("web", ip), "other-run-web");
  assert.ok(behind.seq() < seq, "the coordinator has not folded the start: its deliveries are held");
  // Released while the report waits: without the catch-up it would have been answered already, deciding nothing.
  const release = setTimeout(() => proxy.release(), 300);
  try {
    const answer = ok<{ seq: number }>(await ask(nc, reportSubject, report("web", ip, "running")));
    const running = (await readEvents(nc)).filter((e) => e.type === "ContainerRunning" && (e.data as { name: string }).name === "web");
    assert.is(running.length, 1, `no ContainerRunning for web after the report (${JSON.stringify(answer)}):\n${logs.join("\n")}`);
    assert.is(running[0]!.seq, seq + 1);
  } finally {
    clearTimeout(release);
    proxy.release();
  }
});

test("a report about a container it knows is decided without waiting for the stream", async () => {
  const ip = blockIp(3);
  await appendElsewhere(startedOn("api", ip), "other-run-api");
  const known = await appendElsewhere({ type: "ContainerRunning", data: { name: "api", node: "n1", ip } }, "other-report-api");
  await waitFor("the coordinator folds api running", () => behind.seq() >= known);
  proxy.hold();
  try {
    const seq = await appendElsewhere(startedOn("db", blockIp(4)), "other-run-db");
    assert.ok(behind.seq() < seq, "the coordinator lags");
    const t0 = Date.now();
    // api is running already: a repeated report decides nothing, and needs no newer state to say so.
    ok(await ask(nc, reportSubject, report("api", ip, "running")));
    const ms = Date.now() - t0;
    assert.ok(proxy.held > 0 && behind.seq() < seq, "answered while still behind");
    assert.ok(ms < 500, `answered in ${ms} ms: it waited for the catch-up`);
  } finally {
    proxy.release();
  }
});

test("a report about a container unknown after catching up decides nothing, as before", async () => {
  const before = await lastSeq(nc);
  ok(await ask(nc, reportSubject, report("ghost", blockIp(9), "running")));
  assert.is(await lastSeq(nc), before);
});

test("the Docker door's claim of a reservation the coordinator has not folded yet takes the address once it catches up", async () => {
  const ip = blockIp(5);
  const reservation: OvlEvent = { type: "ContainerStarted", data: { name: "ipam-1", node: "n1", ip, mac: macFor(ip), image: RESERVATION_IMAGE, cmd: [], ports: [], origin: "docker-ipam" } };
  proxy.hold();
  const seq = await appendElsewhere(reservation, "other-reserve-1");
  assert.ok(behind.seq() < seq, "the coordinator has not folded the reservation");
  const release = setTimeout(() => proxy.release(), 300);
  try {
    // Without the catch-up: refused (no address reservation ipam-1), and the container off ovl until the agent's sweep.
    ok(await ask(nc, subjects.reportSubject("n1", "docker-claim"), { node: "n1", reservation: "ipam-1", name: "shop-web-1", image: "nginx", ports: [] }));
    const claimed = (await readEvents(nc)).filter((e) => e.type === "ContainerStarted" && (e.data as { name: string }).name === "shop-web-1");
    assert.is(claimed.length, 1);
    assert.is((claimed[0]!.data as { ip: string }).ip, ip);
  } finally {
    clearTimeout(release);
    proxy.release();
  }
});

test.run();
