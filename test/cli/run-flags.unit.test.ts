/** `ovl run`'s Docker flags: parsed into the command's options; a bad value is a usage error; and their Docker create body. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EXIT_USAGE, UsageError, exitCodeFor, runSpec } from "@ovl/cli";
import { createBody } from "@ovl/node-agent";

const base = { image: "busybox", publish: [] as string[] };

test("run: flags become the options; env files before -e; none given, no options", () => {
  const files: Record<string, string> = { "db.env": "# x\nA=1\n" };
  const spec = runSpec("db", { ...base, env: ["B=2"], envFile: ["db.env"], volume: ["pg:/data"], restart: "on-failure:2", memory: "64m", cpus: "0.5", label: ["t=x"], user: "1000", workdir: "/w", hostname: "h", entrypoint: "" }, [], (f) => files[f]!);
  assert.equal(spec.options, {
    env: ["A=1", "B=2"], volumes: [{ source: "pg", target: "/data" }], restart: { policy: "on-failure", maxRetries: 2 }, memory: 64 * 1024 ** 2,
    nanoCpus: 500_000_000, labels: ["t=x"], entrypoint: "", workdir: "/w", user: "1000", hostname: "h",
  });
  assert.not.ok("options" in runSpec("db", { ...base, env: [], volume: [], label: [], envFile: [] }, []));
});

test("run: each bad value is a usage error (exit 2) naming the value, before anything connects", () => {
  const cases: [object, RegExp][] = [
    [{ env: ["NOPE"] }, /invalid environment "NOPE"/], [{ volume: ["x"] }, /invalid volume "x"/], [{ restart: "never" }, /invalid restart policy "never"/],
    [{ memory: "1q" }, /invalid memory "1q"/], [{ cpus: "-1" }, /invalid cpus "-1"/], [{ label: ["ovl.ip=1"] }, /ovl\.\* labels/],
    [{ workdir: "x" }, /invalid workdir/], [{ user: "a:b:c" }, /invalid user/], [{ hostname: "-x" }, /invalid hostname/],
  ];
  for (const [flags, why] of cases) {
    try {
      runSpec("db", { ...base, ...flags }, []);
      assert.unreachable(JSON.stringify(flags));
    } catch (err) {
      assert.instance(err, UsageError);
      assert.is(exitCodeFor(err), EXIT_USAGE);
      assert.match((err as Error).message, why);
    }
  }
  assert.throws(() => runSpec("db", { ...base, envFile: ["/nonexistent/x.env"] }, []), (e: unknown) => e instanceof UsageError && /cannot read env file \/nonexistent\/x\.env: ENOENT/.test((e as Error).message));
});

test("run: --alias, repeatable, checked like names; none given, no aliases", () => {
  assert.equal(runSpec("db", { ...base, alias: ["pg", "primary"] }, []).aliases, ["pg", "primary"]);
  assert.not.ok("aliases" in runSpec("db", { ...base, alias: [] }, []));
  assert.throws(() => runSpec("db", { ...base, alias: ["Pg"] }, []), (e: unknown) => e instanceof UsageError && /invalid alias name "Pg"/.test((e as Error).message));
  assert.throws(() => runSpec("db", { ...base, alias: Array.from({ length: 17 }, (_, i) => `a${i}`) }, []), (e: unknown) => e instanceof UsageError && /at most 16 aliases/.test((e as Error).message));
});

test("create body: the node's gateway as the container's resolver", () => {
  const body = createBody({ dockerName: "ovl-db", image: "busybox", cmd: [], labels: {}, hostname: "db", dns: ["198.19.0.1"] });
  assert.equal(body.HostConfig?.Dns, ["198.19.0.1"]);
});

test("create body: without options as before; with them, Docker's fields; ovl's labels win", () => {
  const spec = { dockerName: "ovl-db", image: "busybox", cmd: [], labels: { "ovl.name": "db" }, hostname: "db" };
  assert.equal(createBody(spec), { name: "ovl-db", Image: "busybox", Hostname: "db", Labels: { "ovl.name": "db" }, HostConfig: { NetworkMode: "none", RestartPolicy: { Name: "unless-stopped" } } });
  const body = createBody({ ...spec, options: { env: ["A=1"], volumes: [{ source: "/srv", target: "/d", readOnly: true }], restart: { policy: "on-failure", maxRetries: 3 }, memory: 7_000_000, nanoCpus: 1e9, labels: ["a=b=c"], entrypoint: "", workdir: "/w", user: "1", hostname: "h" } });
  assert.equal(body, {
    name: "ovl-db", Image: "busybox", Hostname: "h", Entrypoint: [""], Env: ["A=1"], WorkingDir: "/w", User: "1", Labels: { a: "b=c", "ovl.name": "db" },
    HostConfig: { NetworkMode: "none", RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 }, Binds: ["/srv:/d:ro"], Memory: 7_000_000, NanoCpus: 1e9 },
  });
});

test.run();
