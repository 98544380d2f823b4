/**
 * Joining: one JoinNode request (same id on every retry, so it is decided once; the agent
 * may start before any coordinator). A refusal (address in use, MTU too small, ...) is final
 * and ends the agent with the coordinator's message.
 */
import type { NatsConnection } from "nats";
import { OvlError, subjects, type CommandData } from "@ovl/domain";
import { askUntilAnswered, type AskOptions } from "./ask.js";
import { AgentError, AgentErrorCodes } from "./errors.js";

/** The sequence in a join reply; 0 when the reply has none (an older coordinator). Pure. */
export function joinSeqOf(reply: unknown): number {
  const seq = (reply as { seq?: unknown } | null)?.seq;
  return typeof seq === "number" && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

/**
 * Joins; resolves with the sequence the join's reply names (its SubnetAssigned, or the
 * stream's position when the node was already a member): the agent acts only once its fold
 * has reached it, so it never acts on a view from before this join (a "left" of an earlier
 * membership would end it).
 */
export async function join(nc: NatsConnection, body: CommandData<"JoinNode">, opts: AskOptions): Promise<number> {
  try {
    const reply = await askUntilAnswered<{ seq?: unknown }>(nc, subjects.reportSubject(body.node, "join"), body, opts);
    opts.log(`joined as ${body.node} (${body.underlayIp})`);
    return joinSeqOf(reply);
  } catch (err) {
    if (err instanceof OvlError) {
      throw new AgentError(AgentErrorCodes.JoinRefused, `node ${body.node} cannot join: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
