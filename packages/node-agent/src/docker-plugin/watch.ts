/**
 * Learning which container took a Docker-door address, and following it: Docker's IPAM and
 * driver calls never name the container, so its container events do.
 * - start: the container is inspected; each of its addresses on Docker networks of driver ovl
 *   that is still a reservation is claimed under its Docker name (with its published ports), the
 *   first making its record, the next adding their networks; then it is reported running.
 * - die: reported exited (its address stays, as Docker keeps it for a stopped container).
 * - destroy (`docker rm`): its address is released.
 * - a network's connect (`docker network connect`): as start, for the container connected.
 * - a network's disconnect (`docker network disconnect`): the container's address on that ovl
 *   network is released; off its last one, it leaves ovl. Docker emits `disconnect` at every
 *   stop too, for each network, keeping the network in the container's configuration: then
 *   nothing changes. Connects and disconnects are handled one after the other, in Docker's order.
 * A sweep at start, after Docker's event stream came back, and every minute catches up
 * with what happened while nobody watched: a container removed while the agent was down
 * is released, one started is claimed, and a reservation no container took is released.
 */
import type Dockerode from "dockerode";
import { OvlError, OvlErrorCodes, attachmentsOf, ovlNameForDocker, type ClusterState, type ContainerRecord } from "@ovl/domain";
import { followDockerEvents, type DockerEvent } from "../docker/events.js";
import { ownedBy } from "../docker/labels.js";
import { Serial, type DoorDriver, type DoorReply } from "./driver.js";
import { portsFromInspect } from "./mapping.js";
import { connectedContainer, doorAddressesOf, networkOfDockerSubnet } from "./pools.js";
import { DISCONNECTED, releaseOnDisconnect } from "./disconnect.js";

/** The Docker network the agent makes on its node. */
export const DOCKER_NETWORK = "ovl";
/** A reservation no endpoint uses after this long is given back. */
const STALE_RESERVATION_MS = 60_000;
const SWEEP_MS = 60_000;

export interface WatchDeps {
  readonly docker: Dockerode;
  readonly node: string;
  readonly state: () => ClusterState;
  readonly decide: (kind: "docker-claim" | "docker-release" | "container", body: Record<string, unknown>) => Promise<DoorReply>;
  readonly driver: DoorDriver;
  readonly log: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface Seen {
  readonly id: string;
  readonly name: string;
  readonly ip: string | null;
  /** Every address it has on a Docker network of driver ovl (`ip` is the first): all of them are in use. */
  readonly ips?: readonly string[];
  /** The Docker networks in its configuration, by name and by id (a stopped container keeps them). */
  readonly dockerNetworks?: readonly string[];
  readonly running: boolean;
  readonly exitCode: number;
  readonly image: string;
  readonly ports: ReturnType<typeof portsFromInspect>;
}

/** Docker answers within this, or the call counts as failed (a sweep or an event is retried by the next one). */
const DOCKER_MS = 10_000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`docker did not answer within ${DOCKER_MS} ms`)), DOCKER_MS)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The name of a Docker container whose own name does not fit ovl's, or is another container's there. */
export const idNameOf = (id: string): string => `docker-${id.slice(0, 12)}`;

/** The ovl name of a Docker container name (or of its id when the name does not fit). */
export const nameOf = (dockerName: string, id: string): string => ovlNameForDocker(dockerName) ?? idNameOf(id);

/** Both names a Docker container may have in ovl: its own, and its id's after a clash. */
const namesOf = (s: Pick<Seen, "name"> & { readonly id?: string }): string[] => (s.id ? [s.name, idNameOf(s.id)] : [s.name]);

/**
 * The name to claim again with when the claim under the container's own name was refused
 * because that name is another container's (or its alias): the id's name, so the container
 * is on the overlay under a name of its own rather than left on its reservation. Null when
 * the refusal was for another reason, or the id's name was the one refused.
 */
export function nameAfterRefusedClaim(err: unknown, refused: string, id: string): string | null {
  const clash = err instanceof OvlError && (err.code === OvlErrorCodes.ContainerExists || err.code === OvlErrorCodes.NameInUse);
  return clash && refused !== idNameOf(id) ? idNameOf(id) : null;
}

/**
 * What a sweep gives back (pure): a Docker container Docker no longer has, and a reservation
 * older than a minute whose address no container uses. In use: an endpoint this agent made,
 * or the address of any container Docker has on the network (an agent that restarted knows
 * no endpoints, and a refused claim leaves its container on the reservation).
 */
export function releasesAfterSweep(
  records: readonly ContainerRecord[],
  seen: readonly (Pick<Seen, "name" | "ip" | "ips"> & { readonly id?: string })[],
  endpointIps: readonly string[],
  now: number,
): { readonly record: ContainerRecord; readonly reason: string }[] {
  const names = new Set(seen.flatMap(namesOf));
  const inUse = new Set([...endpointIps, ...seen.flatMap((s) => [...(s.ip ? [s.ip] : []), ...(s.ips ?? [])])]);
  return records.flatMap((c) => {
    if (c.origin === "docker" && !names.has(c.name)) return [{ record: c, reason: "removed from Docker while its agent was away" }];
    if (c.origin === "docker-ipam" && !inUse.has(c.ip) && now - Date.parse(c.since) > STALE_RESERVATION_MS) return [{ record: c, reason: "no docker container took the address" }];
    return [];
  });
}

export class DoorWatcher {
  /** Network connects and disconnects, one at a time in Docker's order: a disconnect's release never undoes the claim of a connect that followed it. */
  private readonly inOrder = new Serial();

  constructor(private readonly deps: WatchDeps) {}

  private records(): ContainerRecord[] {
    const n = this.deps.state().nodes[this.deps.node];
    return n ? Object.values(n.containers).filter((c) => c.origin) : [];
  }

  private async inspect(id: string): Promise<Seen | null> {
    const d = await withTimeout(this.deps.docker.getContainer(id).inspect()).catch(() => null);
    if (!d) return null;
    // Its Docker network of driver ovl may have any name: its address names the ovl network.
    const networks = Object.entries(d.NetworkSettings?.Networks ?? {});
    const addresses = networks.map(([, n]) => n?.IPAddress);
    const state = this.deps.state();
    const ips = doorAddressesOf(state, state.nodes[this.deps.node], addresses);
    return {
      id: d.Id,
      name: nameOf(d.Name, d.Id),
      ip: ips[0] ?? null,
      ips,
      dockerNetworks: networks.flatMap(([name, n]) => (n?.NetworkID ? [name, n.NetworkID] : [name])),
      running: d.State.Running,
      exitCode: d.State.ExitCode,
      image: d.Config.Image || "unknown",
      ports: portsFromInspect(d.HostConfig?.PortBindings as never),
    };
  }

  private report(c: ContainerRecord, seen: Pick<Seen, "running" | "exitCode">): Promise<unknown> | undefined {
    const state = seen.running ? "running" : "exited";
    if (c.state === state && (seen.running || c.exitCode === seen.exitCode)) return undefined;
    return this.deps.decide("container", { node: this.deps.node, name: c.name, ip: c.ip, state, ...(seen.running ? {} : { exitCode: seen.exitCode }) });
  }

  /**
   * A container on Docker networks of driver ovl: each of its addresses still a reservation is
   * claimed (one per network it was connected to; the first claim makes its record, the next
   * add their networks to it), then how it runs is reported.
   */
  private async follow(seen: Seen): Promise<void> {
    const ips = seen.ips ?? (seen.ip ? [seen.ip] : []);
    let claimed: string | undefined;
    // Claimed when it runs; a stopped one's ReleaseAddress gives a reservation back.
    for (const ip of seen.running ? ips : []) {
      const held = this.records().find((c) => attachmentsOf(c).some((a) => a.ip === ip));
      if (held?.origin !== "docker-ipam") continue;
      claimed = await this.claim(held, seen, ips, claimed);
      this.deps.log(`docker: ${claimed} (${ip}) claimed ${held.name}`);
    }
    // A stopped container has no address in Docker's view any more: it is found by name.
    const names = claimed ? [claimed] : namesOf(seen);
    const mine = this.records().find((c) => c.origin === "docker" && names.includes(c.name) && (ips.length === 0 || attachmentsOf(c).some((a) => ips.includes(a.ip))));
    if (mine) await this.report(mine, seen);
  }

  /**
   * Claims under the container's own name, or under its id's when that name is another
   * container's (or under `as`, the name an earlier claim of the same container got); answers
   * the name it got.
   */
  private async claim(held: ContainerRecord, seen: Seen, ips: readonly string[], as?: string): Promise<string> {
    const ask = (name: string) => this.deps.decide("docker-claim", { node: this.deps.node, reservation: held.name, name, image: seen.image.slice(0, 255), ports: seen.ports, ips });
    if (as) {
      await ask(as);
      return as;
    }
    try {
      await ask(seen.name);
      return seen.name;
    } catch (err) {
      const other = nameAfterRefusedClaim(err, seen.name, seen.id);
      if (!other) throw err;
      this.deps.log(`docker: ${seen.name} is another container's name in ovl (${(err as Error).message}): claimed as ${other}`);
      await ask(other);
      return other;
    }
  }

  /**
   * Docker is never asked anything inside the queue: it emits "die" while it holds the
   * container's lock and then releases the endpoint, whose ReleaseAddress waits for the
   * queue; an inspect in there would wait for that lock for ever.
   */
  private async onEvent(e: DockerEvent): Promise<void> {
    if (e.action === "connect") {
      // `docker network connect` of a running container: its reservation is claimed now, not at the next start.
      return this.inOrder.run(async () => {
        const id = connectedContainer(e.attributes);
        const seen = id ? await this.inspect(id) : null;
        if (seen) await this.deps.driver.serial.run(() => this.follow(seen));
      });
    }
    if (e.action === "disconnect") return this.inOrder.run(() => this.onDisconnect(e));
    if (ownedBy(e.attributes)) return; // `ovl run`'s own: the runtime follows those
    const serial = this.deps.driver.serial;
    const names = namesOf({ name: nameOf(e.attributes.name ?? "", e.id), id: e.id });
    const mine = () => this.records().find((r) => names.includes(r.name) && r.origin === "docker");
    if (e.action === "destroy") {
      return serial.run(async () => {
        const c = mine();
        if (c) await this.deps.decide("docker-release", { node: this.deps.node, name: c.name, ip: c.ip, reason: "docker rm" });
      });
    }
    if (e.action === "die") {
      const code = Number(e.attributes.exitCode);
      const exitCode = Number.isInteger(code) ? code : -1;
      return serial.run(async () => {
        const c = mine();
        if (c) await this.report(c, { running: false, exitCode });
      });
    }
    const seen = await this.inspect(e.id);
    if (seen) await serial.run(() => this.follow(seen));
  }

  /**
   * A Docker network's `disconnect` (its id is the event's): Docker's view of the container and
   * of the network's range are read first, outside the queue; a container already removed
   * (`docker rm -f`) is left to its `destroy`.
   */
  private async onDisconnect(e: DockerEvent): Promise<void> {
    const id = connectedContainer(e.attributes);
    if (!id) return;
    const [seen, subnet] = await Promise.all([this.inspect(id), this.subnetOf(e.id)]);
    if (!seen) return;
    const network = networkOfDockerSubnet(this.deps.state(), subnet);
    await this.deps.driver.serial.run(async () => {
      const release = releaseOnDisconnect(this.records(), namesOf(seen), seen.dockerNetworks ?? [], { id: e.id, name: e.attributes["name"] }, network);
      if (!release) return;
      await this.deps.decide("docker-release", { node: this.deps.node, ...release, reason: DISCONNECTED });
      this.deps.log(`docker: ${release.name} disconnected from ${release.network}: ${release.ip} released`);
      // Its record, replaced with the networks it keeps, is pending again: say how it runs.
      const kept = this.records().find((c) => c.name === release.name && c.origin === "docker");
      if (kept) await this.report(kept, seen);
    });
  }

  /** The range of a Docker network (its IPAM's first pool), or null when Docker does not say. */
  private async subnetOf(networkId: string): Promise<string | null> {
    const n = (await withTimeout(this.deps.docker.getNetwork(networkId).inspect()).catch(() => null)) as { IPAM?: { Config?: { Subnet?: string }[] | null } } | null;
    return n?.IPAM?.Config?.[0]?.Subnet ?? null;
  }

  /** Catches up with Docker: see the header. Docker is read first, outside the queue. */
  async sweep(): Promise<void> {
    const listed = await withTimeout(this.deps.docker.listContainers({ all: true }));
    const seen = (await Promise.all(listed.map((c) => this.inspect(c.Id)))).filter((s): s is Seen => s !== null);
    await this.deps.driver.serial.run(() => this.catchUp(seen));
  }

  private async catchUp(seen: readonly Seen[]): Promise<void> {
    for (const s of seen) await this.follow(s);
    const endpoints = [...this.deps.driver.endpoints.values()].map((e) => e.ip);
    for (const { record: c, reason } of releasesAfterSweep(this.records(), seen, endpoints, (this.deps.now ?? Date.now)())) {
      await this.deps.decide("docker-release", { node: this.deps.node, name: c.name, ip: c.ip, reason });
    }
  }

  /** Follows Docker's events and sweeps; the returned function stops. */
  start(): () => void {
    const sweep = () => void this.sweep().catch((err: Error) => this.deps.log(`docker sweep: ${err.message}`));
    const stopEvents = followDockerEvents({
      docker: this.deps.docker,
      node: this.deps.node,
      filters: { type: ["container", "network"], event: ["start", "die", "destroy", "connect", "disconnect"] },
      log: this.deps.log,
      onEvent: (e) => void this.onEvent(e).catch((err: Error) => this.deps.log(`docker ${e.action} ${e.id.slice(0, 12)}: ${err.message}`)),
      onReconnect: sweep,
    });
    sweep();
    const timer = setInterval(sweep, SWEEP_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      stopEvents();
    };
  }
}
