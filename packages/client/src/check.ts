/**
 * `ovl check` from anywhere (domain check.ts): one session per node, all opened at once
 * with one check id; each agent's report is one JSON line. Once every agent has reported
 * (or failed to), every session is closed, which closes the responders, and the matrix is
 * built from the reports.
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "nats";
import { CHECK_ANSWER_MS, OvlError, OvlErrorCodes, checkMatrix, containerFailures, parseCheckReport, type CheckAnswer, type CheckCell, type CheckReport } from "@ovl/domain";
import { openSession, type Session } from "./agent-session.js";

const CLOSE_WAIT_MS = 2000;

export interface CheckResult {
  readonly nodes: readonly string[];
  readonly cells: readonly CheckCell[];
  readonly answers: ReadonlyMap<string, CheckAnswer>;
  /** With --containers: pairs and ports probed, and each failure as a line. */
  readonly containers?: ReturnType<typeof containerFailures>;
  /** Every cell passed and every agent answered. */
  readonly ok: boolean;
}

/** Resolves with the node's report, or its error as a value; `session` closes it. */
function askNode(nc: NatsConnection, node: string, check: string, containers: boolean, answerMs: number): { answer: Promise<CheckAnswer>; session: Session } {
  let got = Buffer.alloc(0);
  let report: (r: CheckReport) => void = () => {};
  const reported = new Promise<CheckReport>((res) => (report = res));
  const session = openSession(nc, node, "check", { check, ...(containers ? { containers } : {}) }, {
    out: (d) => {
      got = Buffer.concat([got, d]);
      if (got.at(-1) === 0x0a) report(parseCheckReport(got));
    },
    err: () => undefined,
  }, answerMs);
  const ended = session.done.then(
    (): CheckAnswer => ({ error: "the agent ended the check without a report" }),
    (err: Error): CheckAnswer => {
      // This identity may not check at all: no matrix to show.
      if (err instanceof OvlError && err.code === OvlErrorCodes.Forbidden) throw err;
      return { error: err.message };
    },
  );
  return { answer: Promise.race([reported.then((r): CheckAnswer => ({ report: r })), ended]), session };
}

export interface CheckOptions {
  /** Also container pairs from inside their namespaces, and published ports from other nodes. */
  readonly containers?: boolean;
  /** @default CHECK_ANSWER_MS */
  readonly answerMs?: number;
}

export async function runCheck(nc: NatsConnection, nodes: readonly string[], o: CheckOptions = {}): Promise<CheckResult> {
  const id = randomBytes(12).toString("base64url");
  const asked = nodes.map((n) => ({ node: n, ...askNode(nc, n, id, o.containers ?? false, o.answerMs ?? CHECK_ANSWER_MS) }));
  const answers = new Map<string, CheckAnswer>();
  let refused: unknown = null;
  for (const a of asked) answers.set(a.node, await a.answer.catch((err: Error) => ((refused ??= err), { error: err.message })));
  // Closing ends each session with CLOSED (how a check is meant to end; other errors are in
  // the answers already); an agent that never confirms is not waited for past CLOSE_WAIT_MS.
  for (const a of asked) a.session.send({ t: "close" });
  const closed = Promise.all(asked.map((a) => a.session.done.catch(() => undefined)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((res) => (timer = setTimeout(res, CLOSE_WAIT_MS)))]).finally(() => clearTimeout(timer));
  if (refused) throw refused;
  const cells = checkMatrix(nodes, answers);
  const containers = o.containers ? containerFailures([...answers.values()].flatMap((a) => ("report" in a ? [a.report] : []))) : undefined;
  const ok = cells.every((c) => c.ok) && [...answers.values()].every((a) => "report" in a) && (containers?.failed.length ?? 0) === 0;
  return { nodes, cells, answers, ok, ...(containers ? { containers } : {}) };
}
