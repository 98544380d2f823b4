/**
 * The lab's infrastructure, for real: 2 nodes (namespaces, LAN, dockerd each, the busybox
 * image) without the control plane, checked, then torn down and the host compared with
 * what it was. Then 3 nodes, up and down, for the timing figures.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IMAGE, inNode, isAlive, labDown, labStatus, labUp, pingDocker, run, type LabInfo } from "@ovl/lab";
import { hostSnapshot, isRoot, labProcesses, labSuite, withTimeout } from "../support/lab.js";

const { dir, before } = labSuite(test, "ovl-lab-e2e-");
const log = (l: string) => console.log(`    ${l}`);

const docker = (info: LabInfo, k: number, ...args: string[]) => run(["docker", "--host", info.nodes[k]!.dockerHost, ...args], { timeoutMs: 60_000 });

async function checkNodes(info: LabInfo): Promise<void> {
  for (const [k, node] of info.nodes.entries()) {
    assert.ok(await pingDocker(node.dockerSock), `dockerd of ${node.name} answers /_ping`);
    const version = (await docker(info, k, "version", "--format", "{{.Server.Version}}")).stdout.trim();
    assert.match(version, /^\d+\.\d+/, `${node.name} server version`);
    const images = (await docker(info, k, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}")).stdout;
    assert.ok(images.split("\n").includes(IMAGE), `${IMAGE} in ${node.name}: ${images}`);
    const fwd = (await inNode(node.name, ["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim();
    assert.is(fwd, "1", "dockerd turned forwarding on inside the node, as on a real host");
    const policy = (await inNode(node.name, ["iptables", "-S", "FORWARD"])).stdout;
    assert.match(policy, /^-P FORWARD DROP/m, "dockerd set FORWARD to DROP inside the node");
  }
}

test("2 nodes without control plane: docker, image, LAN, then down leaves the host as it was", async () => {
  if (!isRoot()) return console.log("    skipped: needs root");
  const t0 = performance.now();
  const info = await withTimeout("labUp(2)", 120_000, labUp({ nodes: 2, dir, startControlPlane: false, ensurePackages: false, log }));
  log(`up(2 nodes): ${Math.round(performance.now() - t0)} ms ${JSON.stringify(info.timings)}`);
  const during = await hostSnapshot(dir);
  assert.is(during.iptables, before().iptables, "root iptables untouched while up");
  assert.is(during.nft, before().nft, "root nft ruleset untouched while up");
  assert.is(during.ipForward, before().ipForward, "root ip_forward untouched");
  assert.equal(during.labNamespaces, ["ovl-lab-n1", "ovl-lab-n2"]);

  await checkNodes(info);
  const echo = await docker(info, 0, "run", "--rm", "--network", "none", IMAGE, "echo", "hi");
  assert.is(echo.stdout.trim(), "hi");
  const ping = await inNode("n1", ["busybox", "ping", "-c", "2", "-W", "2", info.nodes[1]!.lanIp], { timeoutMs: 10_000 });
  assert.match(ping.stdout, /2 packets received/);
  const st = labStatus({ dir });
  assert.ok(st.up && st.procs.length === 6 && st.procs.every((p) => p.alive), "6 recorded processes alive");
  await docker(info, 1, "run", "-d", "--name", "idle", "--network", "none", IMAGE);

  const t1 = performance.now();
  const report = await withTimeout("labDown", 90_000, labDown({ dir, log }));
  log(`down: ${Math.round(performance.now() - t1)} ms`);
  assert.equal(report.warnings, []);
  assert.ok(st.procs.every((p) => !isAlive(p)), "every recorded process is gone");
  assert.equal(labProcesses(dir), [], "no process mentions the lab");
  const after = await hostSnapshot(dir);
  assert.equal(after, before(), "host as before: netfilter, ip_forward, namespaces, links, mounts, /run");
  assert.not.ok(labStatus({ dir }).up, "state file removed");
});

test("3 nodes up and down (timing)", async () => {
  if (!isRoot()) return console.log("    skipped: needs root");
  const t0 = performance.now();
  const info = await withTimeout("labUp(3)", 150_000, labUp({ nodes: 3, dir, startControlPlane: false, ensurePackages: false, log }));
  log(`up(3 nodes): ${Math.round(performance.now() - t0)} ms ${JSON.stringify(info.timings)}`);
  const ping = await inNode("n3", ["busybox", "ping", "-c", "1", "-W", "2", info.nodes[0]!.lanIp], { timeoutMs: 10_000 });
  assert.match(ping.stdout, /1 packets received/);
  const t1 = performance.now();
  assert.equal((await labDown({ dir })).warnings, []);
  log(`down(3 nodes): ${Math.round(performance.now() - t1)} ms`);
  assert.equal(await hostSnapshot(dir), before());
});

test.run();
