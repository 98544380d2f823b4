/**
 * The veth pair of a Docker-door endpoint: made from CreateEndpoint on, with the host end already on its
 * network's bridge (ovl-br, or ovlb-<vni>) and up (named as every ovl container's, so the reconcile keeps it and the fast path
 * serves it), the peer with the container's MAC and MTU, which Docker then moves into the
 * container and renames eth<N>. Docker deletes its end with the sandbox; DeleteEndpoint
 * deletes whatever is left.
 */
import { existsSync } from "node:fs";
import { run } from "@ovl/host";
import { parseIfaceName } from "../kernel/desired.js";
import type { VethLinks } from "./driver.js";

export function hostVethLinks(): VethLinks {
  return {
    async create(host, peer, mac, mtu, bridge) {
      const m = String(mtu);
      await run(["ip", "link", "add", parseIfaceName(host), "mtu", m, "master", parseIfaceName(bridge), "up", "type", "veth", "peer", "name", parseIfaceName(peer), "address", mac, "mtu", m], {
        action: `create veth ${host} for a docker container`,
        timeoutMs: 10_000,
      });
    },
    async remove(name) {
      // Gone already is the usual case (Docker took the peer's namespace down with it, or
      // it never existed): sysfs says so without starting a process.
      if (!existsSync(`/sys/class/net/${parseIfaceName(name)}`)) return;
      await run(["ip", "link", "del", parseIfaceName(name)], { timeoutMs: 10_000 }).catch(() => undefined);
    },
  };
}
