/**
 * The node of a one-node kernel suite: n1 (198.18.0.11) alone on a scratch LAN, with a kernel
 * dataplane whose state sits in a temp dir. Kept apart from kernel-given.ts, which unit tests
 * import and so stays free of namespaces.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as pathJoin } from "node:path";
import { createKernelDataplane, type KernelDataplane } from "@ovl/node-agent";
import { makeLan, type LanHost, type Scope } from "../support/netns.js";

export interface LoneNode {
  readonly n1: LanHost;
  readonly dir: string;
  readonly dp: KernelDataplane;
}

/**
 * Makes the node in `scope`, which also removes the temp dir on close(). `then` finishes the
 * suite's setup; if anything fails the scope is closed before the error goes on, so a failed
 * before() leaves no namespace behind.
 */
export async function loneNode(scope: Scope, name: string, then: (node: LoneNode) => Promise<void> = async () => undefined): Promise<LoneNode> {
  try {
    const n1 = (await makeLan(scope, [{ name: "n1", ip: "198.18.0.11" }])).n1!;
    const dir = mkdtempSync(pathJoin(tmpdir(), `ovl-${name}-`));
    scope.defer(async () => rmSync(dir, { recursive: true, force: true }));
    const node = { n1, dir, dp: createKernelDataplane({ stateDir: dir, run: n1.run }) };
    await then(node);
    return node;
  } catch (err) {
    await scope.close().catch(() => undefined);
    throw err;
  }
}
