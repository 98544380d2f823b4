/**
 * The node of a one-node kernel suite: n1 (198.18.0.11) alone on a scratch LAN, with a kernel
 * dataplane whose state sits in a temp dir. Kept apart from kernel-given.ts, which unit tests
 * import and so stays free of namespaces.
 */
import { createKernelDataplane, type KernelDataplane } from "@ovl/node-agent";
import { makeLan, type LanHost } from "../support/netns.js";
import type { KernelBed } from "./kernel-suite.js";

export interface LoneNode {
  readonly n1: LanHost;
  readonly dir: string;
  readonly dp: KernelDataplane;
}

/** Makes the node in the suite's bed (kernel-suite.ts), which removes it all, temp dir included. */
export async function loneNode(bed: KernelBed, name: string): Promise<LoneNode> {
  const n1 = (await makeLan(bed.scope, [{ name: "n1", ip: "198.18.0.11" }])).n1!;
  const dir = bed.tempDir(`ovl-${name}-`);
  return { n1, dir, dp: createKernelDataplane({ stateDir: dir, run: n1.run }) };
}
