/** `ovl check`'s matrix from the agents' reports: cells, reasons, named pairs, the text. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkLines, checkMatrix, failedPairs, parseCheckReport, type CheckAnswer, type CheckReport, type ProbeResult } from "@ovl/domain";

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

matrix.run();
parse.run();
