/** Which events make the agent re-plan its node (agent.ts `matters`). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { OvlEvent } from "@ovl/domain";
import { aboutAnotherNode, matters } from "@ovl/node-agent";

const test = suite("agent: which events re-plan the node");
const running = (node: string, ip = "198.19.1.2"): OvlEvent => ({ type: "ContainerRunning", data: { node, name: "web", ip } });
const exited = (node: string, ip = "198.19.1.2"): OvlEvent => ({ type: "ContainerExited", data: { node, name: "web", ip, exitCode: 1 } });
const rec = (state: string, ip = "198.19.1.2") => ({ ip, state });

test("its own containers' run state always", () => {
  assert.ok(matters(running("n1"), "n1", rec("pending")));
  assert.ok(matters(exited("n1"), "n1", rec("running")));
  assert.ok(matters(running("n1"), "n1", undefined));
});

test("another node's container moving between address-holding states: no", () => {
  assert.not.ok(matters(running("n2"), "n1", rec("pending")));
  assert.not.ok(matters(running("n2"), "n1", rec("exited")));
  assert.not.ok(matters(exited("n2"), "n1", rec("running")));
  assert.not.ok(matters(running("n2"), "n1", undefined), "unknown container: the fold ignores it");
  assert.not.ok(matters(running("n2"), "n1", rec("failed", "198.19.1.9")), "another address: the fold ignores it");
});

test("another node's failed container holding its address again: yes (peers program it)", () => {
  assert.ok(matters(running("n2"), "n1", rec("failed")));
  assert.ok(matters(exited("n2"), "n1", rec("failed")));
});

test("every other event", () => {
  const others: OvlEvent[] = [
    { type: "ContainerStarted", data: { node: "n2", name: "w", ip: "198.19.1.3", mac: "0a:58:c6:13:01:03", image: "i", cmd: [], ports: [] } },
    { type: "ContainerStopped", data: { node: "n2", name: "w", ip: "198.19.1.3", reason: "rm" } },
    { type: "ContainerFailed", data: { node: "n2", name: "w", ip: "198.19.1.3", reason: "x" } },
    { type: "NodeLost", data: { node: "n2", lastSeen: "2026-01-01T00:00:00.000Z" } },
  ];
  for (const e of others) assert.ok(matters(e, "n1", rec("running")), e.type);
});


test("aboutAnotherNode: another node's events (peers only), not its own or the cluster's", () => {
  assert.ok(aboutAnotherNode(running("n2"), "n1"));
  assert.ok(aboutAnotherNode({ type: "NodeJoined", data: { node: "n2", underlayIp: "10.0.0.2", agentVersion: "x" } }, "n1"));
  assert.not.ok(aboutAnotherNode(running("n1"), "n1"));
  assert.not.ok(aboutAnotherNode({ type: "NodeLost", data: { node: "n1", lastSeen: "2026-01-01T00:00:00.000Z" } }, "n1"));
  assert.not.ok(aboutAnotherNode({ type: "ClusterCreated", data: { cidr: "10.240.0.0/16", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 } }, "n1"));
});

test("an address its own Docker plugin reserved: no (the plugin wires it, the claim re-plans); a peer's reservation or any other start: yes", () => {
  const started = (node: string, origin?: "docker" | "docker-ipam"): OvlEvent => ({
    type: "ContainerStarted",
    data: { node, name: "ipam-0a1b2c3d4e", ip: "198.19.1.2", mac: "02:00:c6:13:01:02", image: "(docker endpoint)", cmd: [], ports: [], ...(origin ? { origin } : {}) },
  });
  assert.not.ok(matters(started("n1", "docker-ipam"), "n1", undefined));
  assert.ok(matters(started("n2", "docker-ipam"), "n1", undefined), "peers wire the address at once");
  assert.ok(matters(started("n1", "docker"), "n1", undefined), "the claim");
  assert.ok(matters(started("n1"), "n1", undefined), "an ovl run container");
});

test.run();
