/** `ovl check`'s matrix from the agents' reports: cells, reasons, named pairs, the text. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CONTAINER_PAIRS_ALL, CONTAINER_SAMPLE, checkLines, checkMatrix, containerFailures, containerTargets, failedPairs, parseCheckReport, type CheckAnswer, type CheckReport, type ProbeResult } from "@ovl/domain";

const ok = (ms: number): ProbeResult => ({ ok: true, ms });
const no = (reason: string): ProbeResult => ({ ok: false, reason });
const GW: Record<string, string> = { n1: "10.0.1.1", n2: "10.0.2.1", n3: "10.0.3.1" };

function report(node: string, peers: Record<string, Partial<Record<"icmp" | "udp" | "tcp" | "mtu", ProbeResult>>>, responder: ProbeResult = { ok: true }): CheckAnswer {
  const r: CheckReport = {
    node, ip: GW[node]!, mtu: 1450, responder,
    peers: Object.entries(peers).map(([to, p]) => ({ to, ip: GW[to]!, icmp: ok(0.2), udp: ok(0.3), tcp: ok(0.4), mtu: ok(0.5), ...p })),
  };
  return { report: r };
}
const nodes = ["n1", "n2", "n3"];

const matrix = suite("checkMatrix");
matrix("all reports green: six ok cells with the ICMP round trip, no failed pair", () => {
  const answers = new Map(nodes.map((n) => [n, report(n, Object.fromEntries(nodes.filter((m) => m !== n).map((m) => [m, {}])))]));
  const cells = checkMatrix(nodes, answers);
  assert.equal(cells.map((c) => `${c.from}>${c.to}:${c.ok}:${c.ms}`), ["n1>n2:true:0.2", "n1>n3:true:0.2", "n2>n1:true:0.2", "n2>n3:true:0.2", "n3>n1:true:0.2", "n3>n2:true:0.2"]);
  assert.equal(failedPairs(cells), []);
  assert.equal(checkLines(nodes, cells).slice(0, 5), ["check: 3 nodes, 6 directions: all passed", "", "FROM \\ TO  n1        n2        n3", "n1         -         ok 0.2ms  ok 0.2ms", "n2         ok 0.2ms  -         ok 0.2ms"]);
});

matrix("failed probes are named in the cell's reason, in probe order, the MTU with its size", () => {
  const answers = new Map<string, CheckAnswer>([
    ["n1", report("n1", { n2: { icmp: no("no reply in 2000 ms"), mtu: no("no 1422-byte echo in 2000 ms") }, n3: {} })],
    ["n2", report("n2", { n1: {}, n3: {} })],
    ["n3", report("n3", { n1: {}, n2: {} })],
  ]);
  const cells = checkMatrix(nodes, answers);
  assert.equal(cells.find((c) => c.from === "n1" && c.to === "n2")!.reason, "icmp: no reply in 2000 ms; mtu 1450: no 1422-byte echo in 2000 ms");
  assert.equal(failedPairs(cells), ["n1-n2"]);
  const lines = checkLines(nodes, cells);
  assert.is(lines[0], "check: 1 of 6 directions failed, pairs n1-n2");
  assert.is(lines.at(-1), "n1 -> n2: icmp: no reply in 2000 ms; mtu 1450: no 1422-byte echo in 2000 ms");
});

matrix("an agent without a report fails its row, and explains failed echoes toward it", () => {
  const answers = new Map<string, CheckAnswer>([
    ["n1", report("n1", { n2: {}, n3: { udp: no("no 64-byte echo in 2000 ms") } })],
    ["n2", report("n2", { n1: {}, n3: {} })],
    ["n3", { error: "the agent of node n3 does not answer" }],
  ]);
  const cells = checkMatrix(nodes, answers);
  assert.is(cells.find((c) => c.from === "n3" && c.to === "n1")!.reason, "no report from the agent of n3: the agent of node n3 does not answer");
  assert.is(cells.find((c) => c.from === "n1" && c.to === "n3")!.reason, "udp: no 64-byte echo in 2000 ms; (the agent of n3 did not answer)");
  assert.ok(cells.find((c) => c.from === "n2" && c.to === "n3")!.ok, "ok cells stay ok");
  assert.equal(failedPairs(cells), ["n1-n3", "n2-n3"]);
});

matrix("a peer the agent does not hold is not probed; a responder that could not listen is named", () => {
  const answers = new Map<string, CheckAnswer>([
    ["n1", report("n1", { n2: { tcp: no("refused") } })],
    ["n2", report("n2", { n1: {} }, no("cannot listen on 10.0.2.1:4797: EADDRINUSE"))],
  ]);
  const cells = checkMatrix(["n1", "n2", "n3"], answers);
  assert.is(cells.find((c) => c.from === "n1" && c.to === "n2")!.reason, "tcp: refused; (responder of n2: cannot listen on 10.0.2.1:4797: EADDRINUSE)");
  assert.is(cells.find((c) => c.from === "n1" && c.to === "n3")!.reason, "not probed: n1 does not hold n3 as a ready peer");
});

const parse = suite("parseCheckReport");
parse("a report round-trips; a wrong one is refused with the path", () => {
  const r = (report("n1", { n2: {} }) as { report: CheckReport }).report;
  assert.equal(parseCheckReport(Buffer.from(JSON.stringify(r))), r);
  assert.throws(() => parseCheckReport(Buffer.from(JSON.stringify({ ...r, mtu: 100 }))), /invalid check report: \/mtu/);
  assert.throws(() => parseCheckReport(Buffer.from(JSON.stringify({ ...r, extra: 1 }))), /invalid check report/);
});

const inside = suite("--containers");
inside("every other container up to the limit; past it the next ones on the ring, each container probed as often as it probes", () => {
  assert.equal(containerTargets(["c", "a", "b"], "b"), ["a", "c"]);
  assert.equal(containerTargets(["a"], "a"), []);
  assert.equal(containerTargets(["a", "b"], "z"), []);
  const many = Array.from({ length: CONTAINER_PAIRS_ALL + 4 }, (_, i) => `c${String(i).padStart(2, "0")}`);
  assert.equal(containerTargets(many, "c18"), ["c19", "c00", "c01", "c02", "c03", "c04", "c05", "c06"]);
  const probedAs = new Map<string, number>();
  for (const from of many) for (const to of containerTargets(many, from)) probedAs.set(to, (probedAs.get(to) ?? 0) + 1);
  assert.ok([...probedAs.values()].every((n) => n === CONTAINER_SAMPLE) && probedAs.size === many.length);
});

inside("failures named per container pair and per published port, with the node that probed it", () => {
  const base = (report("n1", {}) as { report: CheckReport }).report;
  const r: CheckReport = {
    ...base,
    containers: [
      { from: "a1", to: "b1", ip: "10.0.2.2", icmp: no("no reply to 84-byte packets in 2000 ms"), mtu: no("no reply to 1450-byte packets in 2000 ms") },
      { from: "a1", to: "web", ip: "10.0.3.2", icmp: ok(0.3), mtu: ok(0.4) },
    ],
    ports: [{ container: "web", node: "n3", address: "198.18.0.13:8080", result: no("ECONNREFUSED") }],
  };
  assert.equal(containerFailures([r]), {
    probed: 2,
    ports: 1,
    failed: ["a1 -> b1: icmp: no reply to 84-byte packets in 2000 ms; mtu: no reply to 1450-byte packets in 2000 ms", "port of web at 198.18.0.13:8080 from n1: ECONNREFUSED"],
  });
  assert.equal(containerFailures([base]), { probed: 0, ports: 0, failed: [] });
});

matrix.run();
inside.run();
parse.run();
