/**
 * The routing mode a coordinator gives a cluster nobody chose one for: `auto` for a new
 * cluster; an existing cluster keeps what its history says, and a ClusterCreated without a
 * mode (a history from before modes) is `vxlan`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeEnvelope, envelope, subjectFor, subjects, type OvlEvent } from "@ovl/domain";
import { ask, bed, join_, ok, type CoordinatorBed } from "./support.js";
import { readEvents } from "../support/stream.js";

const lanJoin = (node: string, ip: string) => ({ ...join_(node, ip), lanMtu: 1500, lanPrefix: 24 });

async function withBed(f: (b: CoordinatorBed) => Promise<void>): Promise<void> {
  const b = await bed();
  try {
    await f(b);
  } finally {
    await b.close();
  }
}

test("a new cluster without --mode is auto, its MTU from the first node's LAN minus VXLAN's 50", () =>
  withBed(async (b) => {
    await b.coordinator({ cluster: { cidr: "198.19.0.0/18" }, mtuFromFirstNode: true });
    ok(await ask(b.nc, subjects.reportSubject("n1", "join"), lanJoin("n1", "198.18.0.11")));
    ok(await ask(b.nc, subjects.reportSubject("n2", "join"), lanJoin("n2", "198.18.0.12")));
    const created = (await readEvents(b.nc)).find((e) => e.type === "ClusterCreated");
    assert.equal(created?.data, { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mode: "auto", mtu: 1450 });
    const nodes = ok(await ask(b.nc, subjects.querySubject("nodes"), {}));
    assert.equal(nodes.map((n: { name: string; path: string }) => [n.name, n.path]), [["n1", "direct"], ["n2", "direct"]]);
  }));

test("a history without a mode stays vxlan: a coordinator without --mode appends nothing, --mode auto is refused", () =>
  withBed(async (b) => {
    const old: OvlEvent = { type: "ClusterCreated", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 } };
    await b.nc.jetstream().publish(subjectFor(old), encodeEnvelope(envelope(old, new Date().toISOString(), "old-create")));
    const h = await b.coordinator({});
    assert.is(h.seq(), 1, "nothing appended at start");
    assert.is(h.state().cluster?.mode, undefined);
    ok(await ask(b.nc, subjects.reportSubject("n1", "join"), lanJoin("n1", "198.18.0.11")));
    ok(await ask(b.nc, subjects.reportSubject("n2", "join"), lanJoin("n2", "198.18.0.12")));
    const nodes = ok(await ask(b.nc, subjects.querySubject("nodes"), {}));
    assert.equal(nodes.map((n: { name: string; path: string }) => [n.name, n.path]), [["n1", "vxlan"], ["n2", "vxlan"]], "same LAN subnet, yet VXLAN: the cluster is vxlan");
    const again = await b.coordinator({ cluster: { mode: "vxlan" }, db: "vxlan.db" });
    assert.is(again.seq(), (await readEvents(b.nc)).length, "--mode vxlan matches a history without a mode");
    try {
      await b.coordinator({ cluster: { mode: "auto" }, db: "auto.db" });
      assert.unreachable("--mode auto on a vxlan history should be refused");
    } catch (err) {
      assert.is((err as { code?: string }).code, "CLUSTER_MISMATCH");
    }
    assert.equal((await readEvents(b.nc)).filter((e) => e.type === "ClusterCreated").length, 1);
  }));

test.run();
