import "./dev-mode.js";
import React from "react";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { render, cleanup } from "ink-testing-library";
import { foldEvents, nodeRows, psRows, type Heartbeat } from "@ovl/domain";
import { ContainersView, EventsView, NodesView } from "@ovl/tui";
import { clusterEvents } from "../support/tui-seed.js";
import { lines, stored, T0 } from "./fixtures.js";

const items = stored(clusterEvents(2, 2)); // 13 events: cluster, 2 x (join, block), 4 x (started, running)
const state = foldEvents(items.flatMap((i) => (i.ok ? [i.event] : [])));

test.after.each(() => cleanup());

test("nodes view: one exact line per node with its metrics, heartbeat age and lag", () => {
  const hb: Heartbeat = { node: "n1", time: new Date(T0 - 4000).toISOString(), cpu: 0.25, memFree: 3 * 1024 ** 3, memTotal: 8 * 1024 ** 3, agentVersion: "0.1.0", appliedSeq: 7 };
  const rows = nodeRows(state, new Map([["n1", hb]]), { seq: 10 });
  const { lastFrame } = render(<NodesView rows={rows} selected={0} active width={80} height={5} now={T0} past={false} />);
  assert.equal(lines(lastFrame()), [
    "NAME   LAN ADDRESS   BLOCK          STATUS  PATH   CPU  MEM FREE CTRS HB AGE LAG",
    "n1     198.18.0.11   198.19.0.0/24  ready   vxlan  25%  3.0 GiB  2    4s     3",
    "n2     198.18.0.12   198.19.1.0/24  ready   vxlan  -    -        2    -      -",
    "",
    "",
  ]);
});

test("containers view: a container Docker made on the network ovl shows where it came from", () => {
  const docker = foldEvents([
    ...items.flatMap((i) => (i.ok ? [i.event] : [])),
    { type: "ContainerStarted", v: 1, time: new Date(T0).toISOString(), data: { name: "shop-web-1", node: "n2", ip: "198.19.1.9", mac: "02:00:c6:13:01:09", image: "nginx", cmd: [], ports: [], origin: "docker" } },
  ]);
  const { lastFrame } = render(<ContainersView rows={psRows(docker).filter((r) => r.name === "shop-web-1")} selected={0} active width={80} height={2} past={false} />);
  assert.equal(lines(lastFrame())[1], "shop-web-1   n2         198.19.1.9   ovl      docker: nginx pending -");
});

test("nodes view: in the past, metrics are not history and show as ·", () => {
  const { lastFrame } = render(<NodesView rows={nodeRows(state, new Map())} selected={1} active width={80} height={3} now={T0} past />);
  assert.equal(lines(lastFrame())[1], "n1     198.18.0.11   198.19.0.0/24  ready   vxlan  -    -        2    -      -");
});

test("containers view: name, node, address, network, image, state, ports", () => {
  const { lastFrame } = render(<ContainersView rows={psRows(state)} selected={0} active width={80} height={3} past={false} />);
  assert.equal(lines(lastFrame()), [
    "NAME         NODE       ADDRESS      NETWORK  IMAGE         STATE   PORTS",
    "c1-1         n1         198.19.0.2   ovl      busybox       running -",
    "c1-2         n1         198.19.0.3   ovl      busybox       running -",
  ]);
});

test("containers view: a container on two networks shows its first address marked +1, and both networks", () => {
  const [row] = psRows(state);
  const both = { ...row!, networks: [{ network: "front", ip: "198.19.0.2" }, { network: "back", ip: "198.19.48.2" }] };
  const { lastFrame } = render(<ContainersView rows={[both]} selected={0} active width={100} height={2} past={false} />);
  assert.match(lines(lastFrame())[1]!, /^c1-1 +n1 +198\.19\.0\.2 \+1 +front,back +busybox/);
});

test("events view: seq, time, type, subject and a one-line summary, newest first", () => {
  const newest = [...items].reverse();
  const { lastFrame } = render(<EventsView items={newest} selected={0} active width={100} height={3} />);
  assert.equal(lines(lastFrame()), [
    "SEQ    TIME     TYPE             SUBJECT                       SUMMARY",
    "13     12:00:12 ContainerRunning ovl.evt.ctr.n2.c2-2           c2-2 running on n2",
    "12     12:00:11 ContainerStarted ovl.evt.ctr.n2.c2-2           c2-2 on n2 at 198.19.1.3 (busybox)",
  ]);
});

test.run();
