/**
 * `docker network disconnect` of a Docker-door container (pure). Docker's calls (Leave,
 * DeleteEndpoint, ReleaseAddress) name no container, and ReleaseAddress comes at every stop as
 * well, when the container keeps its address; so the release follows the Docker network's
 * `disconnect` event instead, which names the container and the network. Docker emits that
 * event at every stop too, for each network, but then keeps the network in the container's
 * configuration: a container still configured on the network is not released.
 */
import { attachmentsOf, type ContainerRecord } from "@ovl/domain";

/** The reason a disconnect's release carries in the history. */
export const DISCONNECTED = "docker network disconnect";

/** The address a disconnect releases: whose record, on which ovl network. */
export interface DisconnectRelease {
  readonly name: string;
  readonly ip: string;
  readonly network: string;
}

/**
 * What a Docker network's `disconnect` releases: the address on that ovl network (`network`,
 * null when the Docker network is no ovl network's) of the container's record, found by any of
 * its names, unless the container's Docker networks (`still`, by name and id) still hold that
 * Docker network (a stop, or connected again since). Null when nothing is to be released.
 */
export function releaseOnDisconnect(
  records: readonly ContainerRecord[],
  names: readonly string[],
  still: readonly string[],
  dockerNetwork: { readonly id: string; readonly name?: string | undefined },
  network: string | null,
): DisconnectRelease | null {
  if (network === null || still.includes(dockerNetwork.id) || (dockerNetwork.name !== undefined && still.includes(dockerNetwork.name))) return null;
  const c = records.find((r) => r.origin === "docker" && names.includes(r.name));
  const a = c && attachmentsOf(c).find((x) => x.network === network);
  return c && a ? { name: c.name, ip: a.ip, network } : null;
}
