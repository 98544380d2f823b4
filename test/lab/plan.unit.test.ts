import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LAB_CLUSTER,
  LabError,
  labClusterFor,
  parseLanMtu,
  cgroupMountLines,
  containerdConfig,
  dockerdArgv,
  labPlan,
  loadState,
  natsConfig,
  nodePlan,
  parseLabDir,
  parseMounts,
  parseNodeCount,
  parseNodeRef,
  parseRoutedCount,
  ROUTER,
  supervisorScript,
} from "@ovl/lab";
import { contains, overlaps, parseCidr } from "@ovl/domain";

const throwsInvalid = (f: () => unknown, re: RegExp) => {
  try {
    f();
  } catch (err) {
    assert.instance(err, LabError);
    assert.is((err as LabError).code, "INVALID_INPUT");
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable("expected an INVALID_INPUT LabError");
};

test("node i: namespace, links, LAN address and socket", () => {
  const n = nodePlan(3, "/var/lib/ovl-lab");
  assert.equal(
    [n.name, n.ns, n.hostLink, n.lanIp, n.dockerHost, n.containerdSock],
    ["n3", "ovl-lab-n3", "ovllan-n3", "198.18.0.13", "unix:///run/ovl-lab/n3/docker.sock", "/run/ovl-lab/n3/containerd/containerd.sock"],
  );
  assert.ok(n.hostLink.length <= 15 && "ovllan-n20".length <= 15, "interface names fit IFNAMSIZ");
});

test("routed nodes: the last ones on 198.18.1.0/24 behind the router, the others routing that subnet via it", () => {
  const plans = labPlan(4, "/var/lib/ovl-lab", 1);
  assert.equal(plans.map((n) => [n.name, n.lanCidr, n.routed, n.lanGateway]), [
    ["n1", "198.18.0.11/24", false, "198.18.0.1"],
    ["n2", "198.18.0.12/24", false, "198.18.0.1"],
    ["n3", "198.18.0.13/24", false, "198.18.0.1"],
    ["n4", "198.18.1.14/24", true, "198.18.1.1"],
  ]);
  assert.equal([ROUTER.ns, ROUTER.hostLink, ROUTER.lanCidr, ROUTER.subnet, ROUTER.gateway], ["ovl-lab-r1", "ovllan-r1", "198.18.0.254/24", "198.18.1.0/24", "198.18.1.1"]);
  const lab = parseCidr("198.18.0.0/15");
  for (const a of [ROUTER.lanIp, ROUTER.gateway, ...plans.map((n) => n.lanIp)]) assert.ok(contains(lab, parseCidr(`${a}/32`).base), `${a} in 198.18.0.0/15`);
  assert.equal(labPlan(3, "/var/lib/ovl-lab").map((n) => n.routed), [false, false, false], "none by default");
  assert.is(parseRoutedCount("2", 3), 2);
  throwsInvalid(() => parseRoutedCount(3, 3), /0 to 2 \(at least one node stays on the broker's subnet\)/);
  throwsInvalid(() => parseRoutedCount(-1, 3), /invalid routed node count/);
});

test("Docker ranges: distinct per node, inside 198.19.64.0/18, away from overlay and Swarm", () => {
  const plans = labPlan(20, "/var/lib/ovl-lab");
  const nets = plans.flatMap((n) => [n.dockerBip.replace(/\.1\/24$/, ".0/24"), /base=([^,]+)/.exec(n.dockerPool)![1]!]).map((c) => parseCidr(c));
  const docker = parseCidr("198.19.64.0/18");
  for (const [i, a] of nets.entries()) {
    assert.ok(contains(docker, a.base) && contains(docker, a.base + 255), `${JSON.stringify(a)} in 198.19.64.0/18`);
    assert.not.ok(overlaps(a, parseCidr("198.19.0.0/18")) || overlaps(a, parseCidr("198.19.128.0/17")));
    nets.slice(i + 1).forEach((b) => assert.not.ok(overlaps(a, b), "no two nodes share a range"));
  }
});

test("inputs: node count, lab dir, node reference", () => {
  assert.is(parseNodeCount("3"), 3);
  throwsInvalid(() => parseNodeCount(0), /1 to 20/);
  throwsInvalid(() => parseNodeCount(21), /1 to 20/);
  throwsInvalid(() => parseNodeCount("2.5"), /whole number/);
  assert.is(parseLabDir("/tmp/lab/"), "/tmp/lab");
  throwsInvalid(() => parseLabDir("lab"), /absolute/);
  throwsInvalid(() => parseLabDir("/tmp/a b"), /absolute path of letters/);
  throwsInvalid(() => parseLabDir("/tmp/x/../y"), /absolute/);
  throwsInvalid(() => parseLabDir("/var/lib"), /of its own/);
  assert.is(parseNodeRef("n2"), 2);
  assert.is(parseNodeRef("ovl-lab-n12"), 12);
  throwsInvalid(() => parseNodeRef("n0"), /n1 to n20/);
  throwsInvalid(() => parseNodeRef("n1; rm -rf /"), /n1 to n20/);
});

test("cgroup mounts copied from a hybrid host, in order, odd entries skipped", () => {
  const mounts = parseMounts(
    [
      "sysfs /sys sysfs rw 0 0",
      "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
      "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
      "cgroup /sys/fs/cgroup/we\\040ird cgroup rw 0 0",
    ].join("\n"),
  );
  assert.equal(cgroupMountLines(mounts), [
    "mkdir -p '/sys/fs/cgroup'",
    "mountpoint -q '/sys/fs/cgroup' || mount -t tmpfs -o 'rw,relatime,mode=755' 'tmpfs' '/sys/fs/cgroup'",
    "mkdir -p '/sys/fs/cgroup/cpu'",
    "mountpoint -q '/sys/fs/cgroup/cpu' || mount -t cgroup -o 'rw,relatime,cpu' 'cgroup' '/sys/fs/cgroup/cpu'",
    "mkdir -p '/sys/fs/cgroup/unified'",
    "mountpoint -q '/sys/fs/cgroup/unified' || mount -t cgroup2 -o 'rw,relatime' 'cgroup2' '/sys/fs/cgroup/unified'",
  ]);
});

test("supervisor script: cgroups and ip_forward=0 before dockerd, dockerd before containerd on stop", () => {
  const n = nodePlan(1, "/var/lib/ovl-lab");
  const s = supervisorScript(n, ["mount -t cgroup2 -o 'rw' 'cgroup2' '/sys/fs/cgroup'"]);
  const at = (needle: string) => s.indexOf(needle);
  assert.ok(at("mount -t cgroup2") < at("ip_forward") && at("ip_forward") < at("'dockerd'"));
  assert.ok(at("containerd --config") < at("'dockerd'"), "containerd first");
  assert.match(s, /stop\(\) \{ trap - TERM INT; kill -TERM \$DPID .* kill -TERM \$CPID/);
  assert.ok(dockerdArgv(n).includes("--bip") && dockerdArgv(n).includes("198.19.64.1/24"));
  assert.match(containerdConfig(n), /disabled_plugins = \["io.containerd.grpc.v1.cri"\]/);
  assert.match(containerdConfig(n), /address = "\/run\/ovl-lab\/n1\/containerd\/containerd.sock"/);
});

test("a lab LAN MTU is validated and the overlay MTU follows it", () => {
  assert.is(labClusterFor(1500).mtu, 1450);
  assert.is(labClusterFor(9000).mtu, 8950);
  assert.is(labClusterFor(9000).cidr, LAB_CLUSTER.cidr);
  assert.is(parseLanMtu("9000"), 9000);
  for (const bad of [1329, 9001, 1500.5, "15OO", "", null, -1]) throwsInvalid(() => parseLanMtu(bad), /LAN MTU/);
});

test("nats config listens on the LAN gateway only", () => {
  assert.match(natsConfig("/x/store"), /^listen: "198\.18\.0\.1:4222"$/m);
  assert.match(natsConfig("/x/store"), /^http: "198\.18\.0\.1:8222"$/m);
});

test("a damaged state file is an error, never a list of PIDs", () => {
  const dir = mkdtempSync(join(tmpdir(), "ovl-lab-unit-"));
  try {
    assert.is(loadState(dir), null);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "lab.json"), JSON.stringify({ version: 1, namespaces: [], procs: [{ pid: 1, start: 0, role: "x", argv: [] }] }));
    throwsInvalid(() => loadState(dir), /damaged/);
    writeFileSync(join(dir, "lab.json"), "{");
    throwsInvalid(() => loadState(dir), /not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
