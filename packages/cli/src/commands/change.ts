/** `ovl rm`, `ovl leave`, `ovl release`: one command each, validated here before sending. */
import { parseContainerName, parseNodeName } from "@ovl/domain";
import { out, withClient, type GlobalOptions } from "../context.js";
import { asUsage as usage } from "../errors.js";

export async function rmCommand(g: GlobalOptions, rawName: string): Promise<number> {
  const name = usage(() => parseContainerName(rawName));
  const r = await withClient(g, (c) => c.rm(name));
  await out(`removed ${r.name} from node ${r.node} (address ${r.ip} released)\n`);
  return 0;
}

export async function leaveCommand(g: GlobalOptions, rawNode: string): Promise<number> {
  const node = usage(() => parseNodeName(rawNode));
  const r = await withClient(g, (c) => c.leave(node));
  await out(`node ${r.node} is ${r.status}: its containers are stopped, its agent tears the node down\n`);
  return 0;
}

export async function releaseCommand(g: GlobalOptions, rawNode: string): Promise<number> {
  const node = usage(() => parseNodeName(rawNode));
  const r = await withClient(g, (c) => c.release(node));
  await out(`node ${r.node} is ${r.status}: its block and addresses are released\n`);
  return 0;
}
