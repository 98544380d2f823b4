/**
 * Joining: one JoinNode request (same id on every retry, so it is decided once; the agent
 * may start before any coordinator). A refusal (address in use, MTU too small, ...) is final
 * and ends the agent with the coordinator's message.
 */
import type { NatsConnection } from "nats";
import { OvlError, subjects, type CommandData } from "@ovl/domain";
import { askUntilAnswered, type AskOptions } from "./ask.js";
import { AgentError, AgentErrorCodes } from "./errors.js";

export async function join(nc: NatsConnection, body: CommandData<"JoinNode">, opts: AskOptions): Promise<void> {
  try {
    await askUntilAnswered(nc, subjects.reportSubject(body.node, "join"), body, opts);
    opts.log(`joined as ${body.node} (${body.underlayIp})`);
  } catch (err) {
    if (err instanceof OvlError) {
      throw new AgentError(AgentErrorCodes.JoinRefused, `node ${body.node} cannot join: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
