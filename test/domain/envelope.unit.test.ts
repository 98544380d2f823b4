/** parseEnvelope: the one reader of stored events refuses anything malformed, with a reason. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MAX_EVENT_BYTES, OvlError, OvlErrorCodes as C, encodeEnvelope, envelope, parseEnvelope, subjectFor } from "@ovl/domain";
import { NOW, REQ, clusterCreated, joined, lost, started } from "./builders.js";

const good = () => JSON.parse(JSON.stringify(envelope(started("web", "n1", "198.19.0.2"), NOW, REQ))) as Record<string, any>;

function refused(raw: string | Uint8Array, why: RegExp): void {
  try {
    parseEnvelope(raw);
  } catch (err) {
    assert.instance(err, OvlError);
    assert.is((err as OvlError).code, C.InvalidEvent);
    assert.match((err as OvlError).message, why);
    return;
  }
  assert.unreachable(`accepted ${String(raw).slice(0, 80)}`);
}
const refusedJson = (value: unknown, why: RegExp) => refused(JSON.stringify(value), why);

const read = suite("parseEnvelope");
read("reads back what was written, from bytes or text, with or without a request id", () => {
  const env = envelope(started("web", "n1", "198.19.0.2"), NOW, REQ);
  assert.equal(parseEnvelope(encodeEnvelope(env)), env);
  assert.equal(parseEnvelope(JSON.stringify(env)), env);
  assert.equal(parseEnvelope(JSON.stringify(envelope(lost("n1", null), NOW))), envelope(lost("n1", null), NOW));
});
read("malformed JSON", () => {
  refused("{\"type\":", /event is not JSON/);
  refused(new Uint8Array([0xff, 0xfe, 0x00]), /event is not JSON/);
});
read("oversized, refused before parsing", () => {
  refused("x".repeat(MAX_EVENT_BYTES + 1), new RegExp(`exceeds ${MAX_EVENT_BYTES}`));
  const big = good();
  big.data.cmd = ["x".repeat(4000)];
  assert.ok(parseEnvelope(JSON.stringify(big)));
});
read("not an envelope: an array, a missing field, a bad time", () => {
  refusedJson([], /malformed envelope/);
  const noTime = good();
  delete noTime.time;
  refusedJson(noTime, /malformed envelope/);
  refusedJson({ ...good(), time: "2026-01-01 00:00:00" }, /malformed envelope: \/time/);
  refusedJson({ ...good(), time: "2026-01-01T00:00:00+01:00" }, /malformed envelope: \/time/);
});
read("unknown type", () => {
  refusedJson({ ...good(), type: "ContainerExploded" }, /unknown event type "ContainerExploded"/);
  refusedJson({ ...good(), type: "toString" }, /unknown event type/);
  refusedJson({ ...good(), type: "__proto__" }, /unknown event type/);
});
read("a future (or zero) schema version", () => {
  refusedJson({ ...good(), v: 2 }, /ContainerStarted schema version 2 is not supported \(this reader knows 1\)/);
  refusedJson({ ...good(), v: 0 }, /malformed envelope: \/v/);
  refusedJson({ ...good(), v: 1.5 }, /malformed envelope: \/v/);
});
read("bad fields in the data, naming the field", () => {
  const bad = (patch: Record<string, unknown>) => ({ ...good(), data: { ...good().data, ...patch } });
  refusedJson(bad({ name: "Web" }), /invalid ContainerStarted: \/name Expected string to match/);
  refusedJson(bad({ ip: "198.19.0.256" }), /\/ip/);
  refusedJson(bad({ mac: "0A:58:C6:13:00:02" }), /\/mac/);
  refusedJson(bad({ ports: [{ host: 0, container: 80, proto: "tcp" }] }), /\/ports\/0\/host/);
  refusedJson(bad({ ports: [{ host: 80, container: 80, proto: "sctp" }] }), /\/ports\/0\/proto/);
  refusedJson(bad({ cmd: "sleep 1" }), /\/cmd/);
  refusedJson({ ...JSON.parse(JSON.stringify(envelope(clusterCreated(), NOW))), data: { ...clusterCreated().data, cidr: "198.19.0.0/33" } }, /\/cidr/);
  refusedJson(JSON.parse(JSON.stringify(envelope(joined("n1", "198.18.0.011"), NOW))), /\/underlayIp/);
});
read("extra fields, in the envelope or in the data", () => {
  refusedJson({ ...good(), seq: 4 }, /malformed envelope/);
  refusedJson({ ...good(), data: { ...good().data, privileged: true } }, /invalid ContainerStarted/);
  refusedJson({ ...good(), data: { ...good().data, ports: [{ host: 80, container: 80, proto: "tcp", extra: 1 }] } }, /invalid ContainerStarted/);
});
read("a request id longer than 128 characters", () => {
  refusedJson({ ...good(), req: "r".repeat(129) }, /malformed envelope: \/req/);
});
read.run();

const subjects = suite("subjectFor");
subjects("the subject names the aggregate", () => {
  assert.is(subjectFor(clusterCreated()), "ovl.evt.cluster");
  assert.is(subjectFor(joined("n1")), "ovl.evt.node.n1");
  assert.is(subjectFor(lost("n1")), "ovl.evt.node.n1");
  assert.is(subjectFor(started("web", "n1", "198.19.0.2")), "ovl.evt.ctr.n1.web");
});
subjects.run();
