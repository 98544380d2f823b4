/**
 * How an end-to-end suite reaches into the lab it brought up: the lab itself (or why it is
 * missing), a node by name, the `ovl` CLI against the lab's broker, a node's dockerd, and a
 * command in a node's namespace. Failures are values, as with overlay.ts `exec`.
 */
import { defaultOvlCommand, type LabInfo } from "@ovl/lab";
import { exec } from "./overlay.js";

/** `current` gives the suite's lab, null until its first step brought it up. */
export function runningLab(current: () => LabInfo | null) {
  const lab = (): LabInfo => {
    const info = current();
    if (!info) throw new Error("the lab is not up (an earlier step failed)");
    return info;
  };
  const nodeOf = (name: string) => lab().nodes.find((n) => n.name === name)!;
  return {
    lab,
    nodeOf,
    ovl: (...args: string[]) => exec([...defaultOvlCommand(), ...args], { timeoutMs: 120_000, env: { ...process.env, OVL_NATS_URL: lab().natsUrl } }),
    docker: (node: string, ...args: string[]) => exec(["docker", "--host", nodeOf(node).dockerHost, ...args], { timeoutMs: 60_000 }),
    inNs: (node: string, ...argv: string[]) => exec(["ip", "netns", "exec", nodeOf(node).ns, ...argv], { timeoutMs: 30_000 }),
  };
}
