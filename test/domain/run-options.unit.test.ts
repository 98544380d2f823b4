/**
 * `ovl run`'s Docker options: each parser refuses a bad value with the reason; the schemas
 * the coordinator checks refuse what the parsers refuse; decide keeps the options in the
 * event and the fold in the record; a history without them folds as before.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  OvlError, OvlErrorCodes as C, parseCommandData, parseCpus, parseEnv, parseEnvFile, parseEnvelope, parseHostname, parseLabel, parseMemory,
  parseRestart, parseRunOptions, parseUser, parseVolume, parseWorkdir, encodeEnvelope, envelope, type ContainerOptions,
} from "@ovl/domain";
import { given } from "../support/given.js";
import { cluster, cmd, started } from "./builders.js";

function refuses(parse: (raw: string) => unknown, raw: string, why: RegExp): void {
  try {
    parse(raw);
  } catch (err) {
    assert.instance(err, OvlError, `${JSON.stringify(raw)}: not an OvlError`);
    assert.is((err as OvlError).code, C.InvalidInput);
    assert.match((err as OvlError).message, why);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

const parsers = suite("run options: parsers");
parsers("env: KEY=VALUE kept as given; without = or without a name refused", () => {
  assert.is(parseEnv("A=1"), "A=1");
  assert.is(parseEnv("URL=postgres://u:p@h/db?x=1"), "URL=postgres://u:p@h/db?x=1");
  assert.is(parseEnv("EMPTY="), "EMPTY=");
  refuses(parseEnv, "PASSWORD", /invalid environment "PASSWORD": expected KEY=VALUE/);
  refuses(parseEnv, "=x", /the variable name is empty/);
  refuses(parseEnv, "A=\0", /NUL/);
});
parsers("env file: comments and blank lines skipped; a bad line named by file and number", () => {
  assert.equal(parseEnvFile("# db\nA=1\n\n  B=two words\r\n", "db.env"), ["A=1", "B=two words"]);
  refuses((t) => parseEnvFile(t, "db.env"), "A=1\nSECRET\n", /db\.env line 2: invalid environment "SECRET"/);
});
parsers("volume: host path or named volume, :ro; bad specs refused with the reason", () => {
  assert.equal(parseVolume("/srv/data:/data"), { source: "/srv/data", target: "/data" });
  assert.equal(parseVolume("pgdata:/var/lib/postgresql/data:ro"), { source: "pgdata", target: "/var/lib/postgresql/data", readOnly: true });
  assert.equal(parseVolume("pgdata:/data:rw"), { source: "pgdata", target: "/data" });
  refuses(parseVolume, "/data", /expected SOURCE:TARGET/);
  refuses(parseVolume, "a:b:ro:x", /expected SOURCE:TARGET/);
  refuses(parseVolume, "rel/path:/data", /source "rel\/path" is neither an absolute path nor a volume name/);
  refuses(parseVolume, "vol:data", /target "data" is not an absolute path/);
  refuses(parseVolume, "vol:/", /the target cannot be \//);
  refuses(parseVolume, "vol:/data:rx", /mode "rx" is neither ro nor rw/);
});
parsers("restart: the four policies, on-failure with a count; others refused", () => {
  assert.equal(parseRestart("no"), { policy: "no" });
  assert.equal(parseRestart("always"), { policy: "always" });
  assert.equal(parseRestart("unless-stopped"), { policy: "unless-stopped" });
  assert.equal(parseRestart("on-failure"), { policy: "on-failure" });
  assert.equal(parseRestart("on-failure:3"), { policy: "on-failure", maxRetries: 3 });
  refuses(parseRestart, "sometimes", /invalid restart policy "sometimes": expected no, always/);
  refuses(parseRestart, "always:3", /only on-failure takes a retry count/);
  refuses(parseRestart, "on-failure:x", /retry count must be a whole number/);
  refuses(parseRestart, "on-failure:1:2", /expected no, always/);
});
parsers("memory: Docker's units in powers of 1024, at least 6m", () => {
  assert.is(parseMemory("512m"), 512 * 1024 ** 2);
  assert.is(parseMemory("1G"), 1024 ** 3);
  assert.is(parseMemory("1.5g"), 1.5 * 1024 ** 3);
  assert.is(parseMemory("7340032"), 7340032);
  refuses(parseMemory, "512mb", /expected a size like 512m/);
  refuses(parseMemory, "lots", /expected a size like 512m/);
  refuses(parseMemory, "-1g", /expected a size/);
  refuses(parseMemory, "4m", /at least 6m/);
});
parsers("cpus: decimal CPUs to NanoCpus, exactly; zero, too many and junk refused", () => {
  assert.is(parseCpus("1.5"), 1_500_000_000);
  assert.is(parseCpus("0.1"), 100_000_000);
  assert.is(parseCpus("2"), 2_000_000_000);
  refuses(parseCpus, "0", /more than 0/);
  refuses(parseCpus, "2000", /at most 1024/);
  refuses(parseCpus, "1,5", /expected a number of CPUs/);
  refuses(parseCpus, "0.0000000001", /expected a number of CPUs/);
});
parsers("labels, workdir, user, hostname", () => {
  assert.equal(parseLabel("team=db"), ["team", "db"]);
  assert.equal(parseLabel("flag"), ["flag", ""]);
  refuses(parseLabel, "ovl.name=x", /ovl\.\* labels are ovl's own/);
  refuses(parseLabel, "bad key=x", /keys are letters/);
  assert.is(parseWorkdir("/app"), "/app");
  refuses(parseWorkdir, "app", /absolute path/);
  assert.is(parseUser("1000:1000"), "1000:1000");
  assert.is(parseUser("postgres"), "postgres");
  refuses(parseUser, "a b", /NAME\|UID/);
  assert.is(parseHostname("db-1"), "db-1");
  refuses(parseHostname, "db_1", /invalid hostname/);
});
parsers("all options: none given is undefined; duplicate targets and oversized options refused", () => {
  assert.is(parseRunOptions({ env: [], volume: [], label: [] }), undefined);
  assert.equal(parseRunOptions({ envFiles: [{ file: "f", text: "A=1" }], env: ["B=2"], memory: "64m", restart: "always", label: ["x=y"] }), {
    env: ["A=1", "B=2"], restart: { policy: "always" }, memory: 64 * 1024 ** 2, labels: ["x=y"],
  });
  refuses(() => parseRunOptions({ volume: ["a:/d", "/srv:/d"] }), "", /target \/d is mounted twice/);
  refuses(() => parseRunOptions({ env: Array.from({ length: 10 }, (_, i) => `V${i}=${"x".repeat(4000)}`) }), "", /at most 32768 fit in its event/);
});

const FULL: ContainerOptions = {
  env: ["POSTGRES_PASSWORD=pw"], volumes: [{ source: "pgdata", target: "/var/lib/postgresql/data" }], restart: { policy: "on-failure", maxRetries: 5 },
  memory: 256 * 1024 ** 2, nanoCpus: 500_000_000, labels: ["team=db"], entrypoint: "/bin/sh", workdir: "/srv", user: "999", hostname: "db",
};
const start = (options?: unknown) => cmd("StartContainer", { name: "db", node: "n1", image: "busybox", cmd: [], ports: [], ...(options ? { options } : {}) } as never);

const schema = suite("run options: schemas and decide");
schema("StartContainer's schema refuses what the parsers refuse", () => {
  const data = (options: unknown) => ({ name: "db", image: "busybox", cmd: [], ports: [], options });
  assert.equal(parseCommandData("StartContainer", data(FULL)).options, FULL);
  for (const bad of [{ env: ["NOEQUALS"] }, { volumes: [{ source: "rel/x", target: "/d" }] }, { restart: { policy: "always", maxRetries: 2 } }, { restart: { policy: "sometimes" } },
    { memory: 1024 }, { nanoCpus: 0 }, { labels: ["ovl.name=x"] }, { labels: ["nokey"] }, { workdir: "rel" }, { user: "a b" }, { hostname: "a_b" }, { extra: 1 }]) {
    assert.throws(() => parseCommandData("StartContainer", data(bad)), (e: unknown) => e instanceof OvlError && e.code === C.InvalidInput, JSON.stringify(bad));
  }
});
schema("decide keeps the options in ContainerStarted; the fold keeps them in the record", () => {
  const ip = "198.19.0.2";
  const state = given(cluster("n1")).when(start(FULL)).then([{ ...started("db", "n1", ip), data: { ...started("db", "n1", ip).data, options: FULL } } as never]);
  assert.equal(state.nodes.n1?.containers.db?.options, FULL);
});
schema("without options: the event and the record carry none (old histories replay the same)", () => {
  const state = given(cluster("n1")).when(start()).then([started("db", "n1", "198.19.0.2")]);
  assert.not.ok("options" in state.nodes.n1!.containers.db!);
});
schema("an event with options passes the stored event's schema; a bad one is refused", () => {
  const ev = { ...started("db", "n1", "198.19.0.2"), data: { ...started("db", "n1", "198.19.0.2").data, options: FULL } } as never;
  const env = parseEnvelope(encodeEnvelope(envelope(ev, "2026-01-01T00:00:00.000Z")));
  assert.equal((env.data as { options?: unknown }).options, FULL);
  const bad = { ...started("db", "n1", "198.19.0.2"), data: { ...started("db", "n1", "198.19.0.2").data, options: { memory: 5 } } } as never;
  assert.throws(() => parseEnvelope(encodeEnvelope(envelope(bad, "2026-01-01T00:00:00.000Z"))));
});

parsers.run();
schema.run();
