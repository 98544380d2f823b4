/**
 * An agent's report about a container this coordinator does not know yet is decided only
 * after its projection has caught up with the stream; so are the Docker door's claim of a
 * reservation and release of a container it does not know.
 *
 * Why: every coordinator folds the stream on its own, and an agent reports a container as
 * soon as its own fold holds the start. The coordinator the queue group hands the report to
 * may not have folded that start yet (it lags another coordinator's append by milliseconds,
 * or is catching up after a conflict): the domain then sees an unknown container and decides
 * nothing, and the container would stay pending until the agent reports again at its next
 * periodic reconcile (10 s). So such a report waits until the projection holds the stream's
 * last sequence as of its arrival (the queries' read-your-writes wait, `Pipeline.whenApplied`),
 * bounded, and is decided then. The door's claim and release have the same gap: a claim of a
 * reservation not folded here would be refused and a release of a container not folded here
 * would do nothing, each mended only by the agent's sweep a minute later. A request about a
 * record the coordinator holds, the common case, is decided at once: no round trip to JetStream.
 */
import { reportedContainer, type ClusterState } from "@ovl/domain";
import type { CommandBody } from "./pipeline/jobs.js";

/** Well under the 2 s an agent's attempt waits for its reply, so the report is answered before it is asked again. */
export const REPORT_CATCH_UP_MS = 1000;

export interface CatchUpDeps {
  /** The stream's last sequence now. */
  readonly lastSeq: () => Promise<number>;
  /** Runs `fn` once the projection holds `seq`, or after `maxWaitMs`. */
  readonly whenApplied: (seq: number, fn: () => void, maxWaitMs: number) => void;
  readonly log: (line: string) => void;
}

/** Whether `cmd` is an agent's request about a record `state` does not hold: it waits for the catch-up. Pure. */
export function needsCatchUp(cmd: CommandBody, state: ClusterState): boolean {
  const onNode = (node: string, name: string): boolean => state.nodes[node]?.containers[name] !== undefined;
  switch (cmd.type) {
    case "ReportContainer":
      return !reportedContainer(state, cmd.data);
    case "ClaimDockerAddress":
      return !onNode(cmd.data.node, cmd.data.reservation);
    case "ReleaseDockerAddress":
      return !onNode(cmd.data.node, cmd.data.name);
    default:
      return false;
  }
}

/**
 * Resolves once the projection holds the stream's last event as of now, or after `maxWaitMs`
 * in all; never rejects: a stream that cannot be read leaves the decision to the state at hand.
 */
export async function caughtUp(deps: CatchUpDeps, maxWaitMs = REPORT_CATCH_UP_MS): Promise<void> {
  const until = Date.now() + maxWaitMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), maxWaitMs)));
  let last: number | null;
  try {
    last = await Promise.race([deps.lastSeq(), late]);
  } catch (err) {
    deps.log(`report: reading the stream's last sequence failed (${(err as Error).message}); deciding on the state at hand`);
    return;
  } finally {
    clearTimeout(timer);
  }
  if (last === null) return deps.log(`report: the stream's last sequence took over ${maxWaitMs} ms; deciding on the state at hand`);
  await new Promise<void>((r) => deps.whenApplied(last, r, Math.max(0, until - Date.now())));
}
