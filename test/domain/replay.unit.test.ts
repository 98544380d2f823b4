/**
 * Replay properties of decide + evolve over seeded, bounded random command sequences:
 * deterministic (same commands, same events and state), a fold of the stored envelopes
 * rebuilds the same state, no two containers share an address or a name, no two members
 * share a block or a LAN address, and once everything is removed every address and block
 * is free again. Refusals are expected (exhaustion, clashes) but always typed, never INTERNAL.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  OvlError, OvlErrorCodes as C, StateDraft, allContainers, findContainer, blockCapacity, decide, emptyState, encodeEnvelope, envelope, evolve, foldEvents,
  freeAddresses, ipToInt, lowestFreeAddress, lowestFreeBlock, memberNodes, parseCidr, parseEnvelope,
  type ClusterState, type Envelope, type OvlCommand,
} from "@ovl/domain";
import { clusterCreated, cmd, completeLeave, join, lan, leave, lose, release, report, rm, start } from "./builders.js";

/** A /26 in /29 blocks: 8 blocks of 5 addresses for 10 nodes, so exhaustion is common. */
const SMALL = { cidr: "198.19.0.0/26", blockPrefix: 29 };
const NODES = Array.from({ length: 10 }, (_, i) => `n${i + 1}`);
const STEPS = 400;
const SEEDS = [1, 2, 3, 7, 42, 1234, 99991, 31337];

/** mulberry32: a tiny seeded PRNG, so every run of a seed sees the same sequence. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const timeAt = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const at = <T extends OvlCommand>(c: T, i: number): T => ({ ...c, metadata: { now: timeAt(i), requestId: `req-${String(i).padStart(8, "0")}` } });

function randomCommand(next: () => number, state: ClusterState): OvlCommand {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const node = pick(NODES);
  const ctrs = allContainers(state);
  const r = next();
  if (r < 0.5) {
    const ports = next() < 0.2 ? [{ host: pick([8080, 8081]), container: 80, proto: "tcp" as const }] : [];
    return start(`c${Math.floor(next() * 60)}`, { ...(next() < 0.5 ? { node } : {}), ports });
  }
  if (r < 0.62) return rm(ctrs.length && next() < 0.9 ? pick(ctrs).name : "ghost");
  if (r < 0.77) return join(node, next() < 0.05 ? lan(pick(NODES)) : lan(node));
  if (r < 0.82) return leave(node);
  if (r < 0.88) return completeLeave(node);
  if (r < 0.91) return lose(node, null);
  if (r < 0.93) return release(node);
  if (!ctrs.length) return rm("ghost");
  const c = pick(ctrs);
  return report(c.node, c.name, c.ip, pick(["running", "failed", "exited"] as const), { exitCode: 1 });
}

function checkInvariants(state: ClusterState): void {
  const cidr = parseCidr(state.cluster!.cidr);
  const members = memberNodes(state);
  const subnets = members.flatMap((n) => (n.subnet ? [n.subnet] : []));
  assert.is(new Set(subnets).size, subnets.length, "two members hold the same block");
  assert.is(new Set(members.map((n) => n.underlayIp)).size, members.length, "two members share a LAN address");
  for (const s of subnets) assert.ok(parseCidr(s).prefix === SMALL.blockPrefix && ((parseCidr(s).base - cidr.base) >>> 0) < 64, `${s} outside the cidr`);
  const ctrs = allContainers(state);
  assert.is(new Set(ctrs.map((c) => c.ip)).size, ctrs.length, "two containers share an address");
  assert.is(new Set(ctrs.map((c) => c.name)).size, ctrs.length, "two containers share a name");
  for (const c of ctrs) {
    const node = state.nodes[c.node]!;
    const host = ipToInt(c.ip) - parseCidr(node.subnet!).base;
    assert.ok(host >= 2 && host <= 6, `${c.name} ${c.ip} is not a container address of ${node.subnet}`);
  }
}

type Run = { state: ClusterState; history: Envelope[]; refusals: Record<string, number> };

function apply(run: Run, command: OvlCommand): void {
  let events;
  try {
    events = decide(command, run.state);
  } catch (err) {
    assert.instance(err, OvlError, `${command.type} threw a non-OvlError: ${String(err)}`);
    const code = (err as OvlError).code;
    assert.is.not(code, C.Internal, (err as OvlError).message);
    run.refusals[code] = (run.refusals[code] ?? 0) + 1;
    return;
  }
  for (const e of events) {
    const env = envelope(e, command.metadata.now, command.metadata.requestId);
    run.history.push(env);
    run.state = evolve(run.state, e, env);
  }
}

function simulate(seed: number): Run {
  const run: Run = { state: emptyState, history: [], refusals: {} };
  apply(run, at(cmd("CreateCluster", clusterCreated(SMALL).data as never), 0));
  const next = rng(seed);
  for (let i = 1; i <= STEPS; i++) {
    apply(run, at(randomCommand(next, run.state), i));
    checkInvariants(run.state);
  }
  return run;
}

const runs = new Map<number, Run>();
/** One simulation per seed for the read-only checks (each costs a few hundred ms). */
const simulated = (seed: number): Run => runs.get(seed) ?? (runs.set(seed, simulate(seed)), runs.get(seed)!);

const replay = suite("replay");
replay("the same commands decided and folded twice give identical events and states", () => {
  for (const seed of SEEDS) {
    const a = simulated(seed);
    const b = simulate(seed);
    assert.equal(a.history, b.history, `seed ${seed}: histories differ`);
    assert.equal(a.state, b.state, `seed ${seed}: states differ`);
    assert.ok(a.history.length > STEPS / 4, `seed ${seed}: only ${a.history.length} events`);
  }
});
replay("folding the stored envelopes, read back through parseEnvelope, rebuilds the same state", () => {
  for (const seed of SEEDS) {
    const run = simulated(seed);
    const readBack = run.history.map((env) => parseEnvelope(encodeEnvelope(env)));
    assert.equal(foldEvents(readBack), run.state, `seed ${seed}`);
  }
});
replay("the sequences exercise the refusals, and none is INTERNAL", () => {
  const seen = new Set(SEEDS.flatMap((s) => Object.keys(simulated(s).refusals)));
  for (const code of [C.ContainerExists, C.NoNodes, C.NodeExists, C.ContainerNotFound, C.AddressesExhausted, C.BlocksExhausted, C.PortInUse, C.NodeNotFound, C.NodeNotReady, C.AddressInUse]) {
    assert.ok(seen.has(code), `no sequence hit ${code} (saw ${[...seen].join(", ")})`);
  }
});
replay("after removing every container, every address is free; after every node leaves, every block", () => {
  for (const seed of SEEDS) {
    const run = simulate(seed);
    let i = STEPS + 1;
    for (const c of allContainers(run.state)) apply(run, at(rm(c.name), i++));
    assert.equal(allContainers(run.state), []);
    for (const n of memberNodes(run.state).filter((m) => m.subnet)) {
      assert.is(freeAddresses(run.state.cluster!, n), blockCapacity(SMALL.blockPrefix), `seed ${seed}: ${n.name}`);
      assert.is(lowestFreeAddress(n), `198.19.0.${parseCidr(n.subnet!).base - parseCidr(SMALL.cidr).base + 2}`);
    }
    for (const n of memberNodes(run.state)) {
      apply(run, at(n.status === "ready" ? leave(n.name) : release(n.name), i++));
      apply(run, at(completeLeave(n.name), i++));
    }
    assert.equal(memberNodes(run.state), [], `seed ${seed}: members remain`);
    assert.equal(lowestFreeBlock(run.state.cluster!, run.state), { subnet: "198.19.0.0/29", gateway: "198.19.0.1" });
    assert.equal(foldEvents(run.history), run.state);
  }
});
replay("a draft that indexes decides exactly as the plain fold, sealed now and then or not", () => {
  const names = Array.from({ length: 60 }, (_, i) => `c${i}`);
  for (const seed of SEEDS) {
    const run = simulated(seed);
    const next = rng(seed ^ 0x5eed);
    // Built part way through (from a state with containers), then kept up to date event by event.
    const from = Math.floor(run.history.length / 3);
    const draft = new StateDraft(foldEvents(run.history.slice(0, from))).index();
    let sealed: ClusterState | null = null;
    let plain = foldEvents(run.history.slice(0, from));
    for (let i = from; i < run.history.length; i++) {
      const env = run.history[i]!;
      draft.apply({ type: env.type, data: env.data } as never, env);
      plain = evolve(plain, { type: env.type, data: env.data } as never, env);
      const mine = next() < 0.2 ? draft.state : draft.peek;
      if (mine !== draft.peek) sealed = mine;
      for (const name of names) assert.equal(findContainer(mine, name), findContainer(plain, name), `seed ${seed} event ${i}: ${name}`);
      for (const n of Object.values(plain.nodes)) assert.is(lowestFreeAddress(mine.nodes[n.name]!), lowestFreeAddress(n), `seed ${seed} event ${i}: ${n.name}`);
    }
    assert.equal(draft.peek, run.state);
    if (sealed) for (const name of names) findContainer(sealed, name); // still readable
  }
});
replay("an indexed draft counts a name held by two nodes (a stream no decider writes) until both are gone", () => {
  const s0 = foldEvents([{ ...clusterCreated(SMALL), v: 1, time: timeAt(0) }, ...["n1", "n2"].flatMap((n, i) => [
    { type: "NodeJoined", v: 1, time: timeAt(0), data: { node: n, underlayIp: lan(n), agentVersion: "t" } },
    { type: "SubnetAssigned", v: 1, time: timeAt(0), data: { node: n, subnet: `198.19.0.${i * 8}/29`, gateway: `198.19.0.${i * 8 + 1}` } },
  ])] as Envelope[]);
  const draft = new StateDraft(s0).index();
  const t = { time: timeAt(1) };
  const started = (node: string, ip: string) => ({ type: "ContainerStarted", data: { name: "x", node, ip, mac: "02:00:00:00:00:01", image: "busybox", cmd: [], ports: [] } }) as never;
  draft.apply(started("n1", "198.19.0.2"), t);
  draft.apply(started("n2", "198.19.0.10"), t);
  assert.is(lowestFreeAddress(draft.peek.nodes["n1"]!), "198.19.0.3");
  draft.apply({ type: "ContainerStopped", data: { name: "x", node: "n1", ip: "198.19.0.2", reason: "removed" } } as never, t);
  assert.is(findContainer(draft.peek, "x")?.node, "n2");
  assert.is(lowestFreeAddress(draft.peek.nodes["n1"]!), "198.19.0.2");
  draft.apply({ type: "NodeLeft", data: { node: "n2", reason: "gone" } } as never, t);
  assert.is(findContainer(draft.peek, "x"), undefined);
});
replay.run();
