/**
 * docs/deploy.md's units, run as written: the broker, coordinator and agent units are read
 * out of the page (so the page and this test cannot drift) and their ExecStart lines run
 * with the same arguments, each under the user its unit names, against the locked broker
 * the broker unit starts. What stands in for systemd and the machines: paths under a
 * temporary directory, 192.168.1.x on a veth link in a namespace of this test (198.18.77.x),
 * DynamicUser a throwaway uid, LoadCredential's %d a directory only that uid can read, and
 * `--simulate` added to the agent (no kernel, no Docker).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const doc = readFileSync(join(repo, "docs", "deploy.md"), "utf8");
const NS = `ovl-deploy-${process.pid}`;
const root = mkdtempSync(join(tmpdir(), "ovl-deploy-"));
const credDir = join(root, "credentials");
const uid = 61_000 + (process.pid % 3000); // DynamicUser: a uid no account has
const procs: ChildProcess[] = [];

/** The first ```ini block whose first line names the file (and contains `also`). */
function block(file: string, also = ""): string[] {
  const m = new RegExp("```ini\\n# " + file.replace(/[.*/]/g, "\\$&") + "[^\\n]*\\n((?:(?!```)[\\s\\S])*?" + also + "[\\s\\S]*?)```").exec(doc);
  if (!m) throw new Error(`docs/deploy.md has no block for ${file}`);
  return m[1]!.split("\n").filter((l) => l && !l.startsWith("#"));
}
const directives = (lines: string[], key: string): string[] => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

const MAP: Record<string, string> = {
  "/usr/bin/node": process.execPath,
  "/opt/ovl": repo,
  "/var/lib/ovl-coordinator": join(root, "var/lib/ovl-coordinator"),
  "/var/lib/ovl": join(root, "var/lib/ovl"),
  "/etc/ovl": join(root, "etc/ovl"),
  "192.168.1.10": "198.18.77.10",
  "192.168.1.11": "198.18.77.11",
  "192.168.1.12": "198.18.77.12",
  "%d": credDir,
};
/** One pass, longest paths first, so a mapped path is never mapped again. */
const subst = (s: string): string => s.replace(/\/usr\/bin\/node|\/opt\/ovl|\/var\/lib\/ovl-coordinator|\/var\/lib\/ovl|\/etc\/ovl|192\.168\.1\.1[012]|%d/g, (k) => MAP[k]!);
const expand = (s: string, env: Record<string, string>): string => s.replace(/\$\{(\w+)\}/g, (_, k: string) => env[k] ?? "");
const envOf = (lines: string[]): Record<string, string> => Object.fromEntries(lines.map((l) => subst(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

function start(argv: string[], env: Record<string, string>, user?: number): ChildProcess {
  const asUser = user === undefined ? [] : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "--"];
  const p = spawn("ip", ["netns", "exec", NS, ...asUser, ...argv], { env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  procs.push(p);
  return p;
}
const output = (p: ChildProcess): (() => string) => {
  let text = "";
  p.stdout!.on("data", (d: Buffer) => (text += d));
  p.stderr!.on("data", (d: Buffer) => (text += d));
  return () => text;
};
async function until<T>(what: string, ms: number, f: () => Promise<T | false> | T | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const ovl = (...args: string[]) => exec("ip", ["netns", "exec", NS, process.execPath, join(repo, "packages/cli/bin/ovl.mjs"), ...args], { timeout: 30_000 });

test.before(async () => {
  chmodSync(root, 0o755);
  mkdirSync(join(root, "var/lib"), { recursive: true, mode: 0o755 }); // as on a machine: /var/lib exists
  await exec("ip", ["netns", "add", NS]);
  await exec("ip", ["-n", NS, "link", "set", "lo", "up"]);
  // The "LAN": a veth pair inside the namespace (this kernel has no dummy links).
  await exec("ip", ["-n", NS, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1"]);
  for (const a of ["198.18.77.10/24", "198.18.77.11/24", "198.18.77.12/24"]) await exec("ip", ["-n", NS, "addr", "add", a, "dev", "lan0"]);
  for (const l of ["lan0", "lan1"]) await exec("ip", ["-n", NS, "link", "set", l, "up"]);
  assert.not.ok(readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.split(":")[2] === String(uid)), `uid ${uid} is free`);
});

test.after(async () => {
  for (const p of procs.reverse()) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    p.kill("SIGTERM");
    await new Promise((r) => (p.once("exit", r), setTimeout(() => (p.kill("SIGKILL"), r(null)), 8000)));
  }
  await exec("ip", ["netns", "del", NS]).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

test("the broker unit starts a locked broker: identities and TLS made, their paths printed, no secret", async () => {
  const unit = block("/etc/systemd/system/ovl-broker.service");
  assert.equal(directives(unit, "User"), [], "the broker runs as root");
  const argv = subst(directives(unit, "ExecStart")[0]!).split(/\s+/);
  assert.ok(argv.includes("--host") && !argv.includes("--insecure"));
  const broker = start(argv, {});
  const text = output(broker);
  await until("the broker runs", 30_000, () => /running \(pid/.test(text()) || (broker.exitCode !== null && Promise.reject(new Error(text()))));
  const store = join(root, "var/lib/ovl/broker");
  for (const f of ["creds/admin.creds", "creds/coordinator.creds", "creds/operator.creds", "creds/viewer.creds", "tls/ca.pem"]) assert.ok(text().includes(join(store, f)), `${f} printed: ${text()}`);
  assert.not.match(text(), /"seed"|\bSU[A-Z2-7]{40,}/, "no seed in the output");
});

test("the coordinator and agent units, with the files the page says to copy, bring the agent in", async () => {
  const store = join(root, "var/lib/ovl/broker");
  const added = await ovl("broker", "users", "add", "agent", "node-b", "--store", store);
  assert.match(added.stdout, /agent-node-b/);
  const etc = join(root, "etc/ovl");
  mkdirSync(etc, { recursive: true });
  copyFileSync(join(store, "tls/ca.pem"), join(etc, "ca.pem"));
  copyFileSync(join(store, "creds/coordinator.creds"), join(etc, "coordinator.creds"));
  copyFileSync(join(store, "creds/agent-node-b.creds"), join(etc, "agent.creds"));
  for (const f of ["coordinator.creds", "agent.creds"]) chmodSync(join(etc, f), 0o600);

  // Coordinator: DynamicUser (a throwaway uid), its StateDirectory and LoadCredential files its own.
  const cu = block("/etc/systemd/system/ovl-coordinator.service");
  assert.equal(directives(cu, "DynamicUser"), ["yes"]);
  mkdirSync(credDir, { mode: 0o700 });
  for (const lc of directives(cu, "LoadCredential")) {
    const [name, from] = [lc.slice(0, lc.indexOf(":")), subst(lc.slice(lc.indexOf(":") + 1))];
    copyFileSync(from, join(credDir, name));
    chmodSync(join(credDir, name), 0o400);
    chownSync(join(credDir, name), uid, uid);
  }
  chownSync(credDir, uid, uid);
  for (const d of directives(cu, "StateDirectory")) {
    mkdirSync(join(root, "var/lib", d), { recursive: true });
    chownSync(join(root, "var/lib", d), uid, uid);
  }
  const coordinator = start(subst(directives(cu, "ExecStart")[0]!).split(/\s+/), envOf(directives(cu, "Environment")), uid);
  const coordOut = output(coordinator);

  // Agent: as root, its EnvironmentFile written from the page's block.
  const au = block("/etc/systemd/system/ovl-agent.service");
  assert.equal(directives(au, "User"), [], "the agent runs as root");
  const envLines = block("/etc/ovl/agent.env");
  writeFileSync(join(etc, "agent.env"), envLines.map(subst).join("\n") + "\n");
  const env = envOf(envLines);
  const argv = expand(subst(directives(au, "ExecStart")[0]!), env).split(/\s+/);
  const agent = start([...argv, "--simulate"], env);
  const agentOut = output(agent);

  const operator = ["--creds", join(store, "creds/operator.creds"), "--tls-ca", join(etc, "ca.pem"), "--nats", "nats://198.18.77.10:4222"];
  await until("node-b ready", 60_000, async () => {
    for (const [p, out] of [[coordinator, coordOut], [agent, agentOut]] as const) if (p.exitCode !== null) throw new Error(`exited: ${out()}`);
    const r = await ovl("nodes", ...operator).catch(() => null);
    return r !== null && /node-b\s.*ready/.test(r.stdout) && r.stdout;
  });
  const status = readFileSync(`/proc/${coordinator.pid}/status`, "utf8");
  assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, "m"), "the coordinator runs as the unit's (dynamic) user");
});

async function stopAll(): Promise<void> {
  for (const p of procs.splice(0).reverse()) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    p.kill("SIGTERM");
    await new Promise((r) => (p.once("exit", r), setTimeout(() => (p.kill("SIGKILL"), r(null)), 8000)));
  }
}

test("the clustered broker unit, on three machines: one set of identities and TLS, routes with TLS, streams with 3 replicas", async () => {
  await stopAll();
  const unit = block("/etc/systemd/system/ovl-broker.service", "--routes");
  const line = directives(unit, "ExecStart")[0]!;
  assert.match(line, /--cluster-name \S+ .*--routes nats:\/\/192\.168\.1\.10:6222,nats:\/\/192\.168\.1\.11:6222,nats:\/\/192\.168\.1\.12:6222/);
  // Each machine: its own --host, its own /var/lib (a directory per machine here).
  const machine = (k: number) => ({ host: `192.168.1.1${k}`, dir: join(root, `m${k}`) });
  const argvOn = (k: number) => subst(line.replace("--host 192.168.1.10", `--host ${machine(k).host}`)).replace(join(root, "var/lib/ovl"), join(machine(k).dir, "var/lib/ovl")).split(/\s+/);
  const storeOf = (k: number) => join(machine(k).dir, "var/lib/ovl/broker");
  const first = start(argvOn(0), {});
  const text = output(first);
  await until("the first server runs", 30_000, () => /running \(pid/.test(text()) || (first.exitCode !== null && Promise.reject(new Error(text()))));
  for (const k of [1, 2]) {
    mkdirSync(storeOf(k), { recursive: true });
    for (const f of ["identities.json", "creds", "tls"]) cpSync(join(storeOf(0), f), join(storeOf(k), f), { recursive: true });
  }
  const others = [1, 2].map((k) => start(argvOn(k), {}));
  const outs = others.map(output);
  const admin = ["--creds", join(storeOf(0), "creds/admin.creds"), "--tls-ca", join(storeOf(0), "tls/ca.pem")];
  const urls = "nats://198.18.77.10:4222,nats://198.18.77.11:4222,nats://198.18.77.12:4222";
  const setup = await until("streams with 3 replicas", 60_000, async () => {
    for (const [k, p] of others.entries()) if (p.exitCode !== null) throw new Error(`server ${k + 2} exited: ${outs[k]!()}`);
    return ovl("broker", "setup", "--replicas", "3", "--nats", urls, ...admin).then((r) => r.stdout, () => false as const);
  });
  assert.match(setup, /OVL_EVENTS: (created|unchanged)/);
  const conf = readFileSync(join(storeOf(1), "nats-server.conf"), "utf8");
  assert.match(conf, /cluster \{[\s\S]*nats-route:\/\/198\.18\.77\.12:6222[\s\S]*verify: true/, "routes with TLS and verify");
  assert.match(conf, /accounts \{/, "identities on every server");
});

test.run();
