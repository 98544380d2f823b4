import { test } from "uvu";
import * as assert from "uvu/assert";
import { agentFlags, clusterFlags, dbPathOf, intIn, resolveNatsUrl, runSpec, UsageError } from "@ovl/cli";

const throwsUsage = (fn: () => unknown, pattern: RegExp) => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UsageError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable("expected a UsageError");
};

test("run: a valid command line becomes the StartContainer data", () => {
  assert.equal(runSpec("web", { image: "busybox:1.36", publish: ["8080:80", "198.18.0.11:53:53/udp"], node: "n1" }, ["sh", "-c", "echo hi"]), {
    name: "web",
    image: "busybox:1.36",
    cmd: ["sh", "-c", "echo hi"],
    ports: [{ host: 8080, container: 80, proto: "tcp" }, { hostIp: "198.18.0.11", host: 53, container: 53, proto: "udp" }],
    node: "n1",
  });
  assert.not.ok("node" in runSpec("web", { image: "busybox", publish: [] }, []));
});

test("run: --network, in order, each once; none leaves the field out (ovl)", () => {
  assert.equal(runSpec("web", { image: "busybox", publish: [], network: ["a", "ovl"] }, []).networks, ["a", "ovl"]);
  assert.not.ok("networks" in runSpec("web", { image: "busybox", publish: [] }, []));
  throwsUsage(() => runSpec("web", { image: "busybox", publish: [], network: ["a", "a"] }, []), /network a given twice/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: [], network: ["Bad!"] }, []), /invalid network name/);
});

test("run: every bad argument is a usage error naming it", () => {
  throwsUsage(() => runSpec("Web", { image: "busybox", publish: [] }, []), /invalid container name "Web"/);
  throwsUsage(() => runSpec("web", { image: "Bad Image", publish: [] }, []), /invalid image/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: ["80"] }, []), /invalid port mapping "80"/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: ["8080:80/sctp"] }, []), /invalid port mapping/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: ["1.2.3:80:80"] }, []), /host address/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: ["80:80", "80:81"] }, []), /same host port/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: [], node: "N_1" }, []), /invalid node name/);
  throwsUsage(() => runSpec("web", { image: "busybox", publish: [] }, ["a\0b"]), /NUL/);
});

test("coordinator: only explicit cluster flags are passed, CIDRs are checked", () => {
  assert.equal(clusterFlags({ db: "x" }), {});
  assert.equal(clusterFlags({ db: "x", cidr: "198.19.0.0/18", vni: 4242 }), { cidr: "198.19.0.0/18", vni: 4242 });
  throwsUsage(() => clusterFlags({ db: "x", cidr: "198.19.0.1/18" }), /host bits set/);
  throwsUsage(() => clusterFlags({ db: "x", cidr: "nonsense" }), /invalid CIDR/);
  throwsUsage(() => clusterFlags({ db: "x", cidr: "198.19.0.0/18", blockPrefix: 16 }), /block-prefix/);
});

test("coordinator: the db defaults under OVL_DATA_DIR, else ./.ovl", () => {
  assert.is(dbPathOf({}, { OVL_DATA_DIR: "/tmp/d" }), "/tmp/d/coordinator.db");
  assert.is(dbPathOf({}, {}), `${process.cwd()}/.ovl/coordinator.db`);
  assert.is(dbPathOf({ db: "/x/y.db" }, { OVL_DATA_DIR: "/tmp/d" }), "/x/y.db");
});

test("agent: flags validated, state dir defaults under OVL_DATA_DIR", () => {
  assert.is(agentFlags({ node: "n1" }, { OVL_DATA_DIR: "/tmp/d" }).stateDir, "/tmp/d/agent-n1");
  throwsUsage(() => agentFlags({ node: "N1" }, {}), /invalid node name/);
  throwsUsage(() => agentFlags({ node: "n1", ip: "1.2.3.4", iface: "eth0" }, {}), /not both/);
  throwsUsage(() => agentFlags({ node: "n1", ip: "300.1.1.1" }, {}), /--ip address/);
  throwsUsage(() => agentFlags({ node: "n1", iface: "a/b" }, {}), /--iface/);
});

test("NATS URL: flag, then OVL_NATS_URL (validated), then the default", () => {
  assert.is(resolveNatsUrl({ nats: "nats://a:1" }, { OVL_NATS_URL: "nats://b:2" }), "nats://a:1");
  assert.is(resolveNatsUrl({}, { OVL_NATS_URL: "nats://b:2" }), "nats://b:2");
  assert.is(resolveNatsUrl({}, {}), "nats://127.0.0.1:4222");
  throwsUsage(() => resolveNatsUrl({}, { OVL_NATS_URL: "http://x y" }), /invalid OVL_NATS_URL/);
});

test("numbers: whole numbers in range only", () => {
  const parse = intIn(1, 20);
  assert.is(parse("3"), 3);
  for (const bad of ["0", "21", "1.5", "-1", "x", ""]) assert.throws(() => parse(bad));
});

test.run();
