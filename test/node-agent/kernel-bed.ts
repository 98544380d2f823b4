/**
 * A LAN host (support/netns.ts makeLan) made ready for a kernel dataplane as a Docker host
 * is: forwarding off and FORWARD DROP (what ovl must cope with), its kernel dumped before
 * anything of ovl's (the suites compare it after teardown), and a dataplane on a scratch
 * state dir of the suite's bed (kernel-suite.ts), removed with it.
 */
import { createKernelDataplane, type KernelDataplane } from "@ovl/node-agent";
import { dumpNode, type LanHost } from "../support/netns.js";
import type { KernelBed } from "./kernel-suite.js";

export const SYSCTLS = ["net.ipv4.ip_forward"];

export async function dataplaneOn(
  h: LanHost,
  opts: { readonly prefix: string; readonly bed: KernelBed; readonly log?: (line: string) => void },
): Promise<{ readonly before: Record<string, string>; readonly dp: KernelDataplane; readonly dir: string }> {
  await h.run("sysctl", ["-q", "-w", "net.ipv4.ip_forward=0"]);
  await h.run("iptables", ["-P", "FORWARD", "DROP"]);
  const before = await dumpNode(h.run, SYSCTLS);
  const dir = opts.bed.tempDir(opts.prefix);
  return { before, dir, dp: createKernelDataplane({ stateDir: dir, run: h.run, ...(opts.log ? { log: opts.log } : {}) }) };
}
