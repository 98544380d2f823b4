/**
 * LinuxDockerRuntime: the real node. On every view of the state:
 * 1. the kernel dataplane is reconciled (bridge, VXLAN, peers, NAT, published ports);
 * 2. ovl's Docker containers of this node that the state no longer holds are removed
 *    (force) and their veths detached; failed ones too (their half is gone already);
 * 3. every container the state holds exists, runs and is wired (attach by PID); a pending
 *    one is created when missing: `--network none`, labels, restart policy unless-stopped,
 *    the image pulled when Docker says it is missing (as `docker run` does: no look-up
 *    first). One that ran and that Docker no longer has (removed behind ovl's back, or
 *    gone with Docker's data while its node was down) is reported failed, not made again
 *    from scratch: it keeps its name and address until `ovl rm`, like any failed one.
 * Step 1 runs while Docker lists, creates and starts containers (step 3 waits for it only
 * before wiring): dockerd's create + start is the long part of `ovl run`, and the kernel's
 * reads and writes hide behind it. A dataplane failure fails the sync, not the containers:
 * one started but not wired yet is wired by the next sync.
 * Containers without ovl's labels are never listed, so never touched. A container that
 * exists and runs is only re-checked (attach is idempotent): an agent restart changes
 * nothing. Everything runs one at a time (sync, Docker events, teardown), so a container
 * is never wired twice at once.
 */
import type Dockerode from "dockerode";
import { desiredDataplane, fastPathFits, type AttachSpec, type KernelDataplane, type DesiredNode } from "./kernel/index.js";
import { DEFAULT_NETWORK, attachmentsOf, parseCidr, vethNameFor, type Attachment, type ClusterState, type ContainerRecord } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "./errors.js";
import { differs, localContainers, type ContainerReport, type NodeRuntime, type SyncOptions } from "./runtime.js";
import { dockerContainers, type ContainerClient, type ContainerSummary } from "./docker/containers.js";
import { followDockerEvents, type DockerEvent } from "./docker/events.js";
import { dockerImages, type ImageClient } from "./docker/images.js";
import { createLabels, dockerNameFor, ownedBy } from "./docker/labels.js";
import { resolverOf } from "./dns/gateways.js";

export interface LinuxDockerRuntimeOptions {
  readonly kernel: KernelDataplane;
  readonly docker: Dockerode;
  /** The LAN interface VXLAN rides on. */
  readonly underlayIface: string;
  readonly node: string;
  /** Put in the ovl.cluster label when given. */
  readonly cluster?: string;
  /** Cross-node packets past the bridge by tc redirects (kernel/fastpath.ts); false keeps them all on the bridge and in FORWARD. @default true */
  readonly fastPath?: boolean;
  /** @default no logging */
  readonly log?: (line: string) => void;
  /** Containers get the node's gateway as their resolver (the agent answers names there, dns/). @default true */
  readonly dnsOnGateway?: boolean;
  /** @default the dockerode-backed clients */
  readonly containers?: ContainerClient;
  readonly images?: ImageClient;
}

type View = { readonly state: ClusterState; readonly desired: DesiredNode };

export class LinuxDockerRuntime implements NodeRuntime {
  private readonly log: (line: string) => void;
  private readonly containers: ContainerClient;
  private readonly images: ImageClient;
  private queue: Promise<unknown> = Promise.resolve();
  private view: View | null = null;
  /** Docker ids ovl is removing: their "die" is not an exit to report. */
  private readonly removing = new Set<string>();
  /**
   * Running containers this runtime wired or found wired, by Docker id, with their address:
   * a sync an event triggers skips their inspect and wiring check (a Docker "die" or "start"
   * drops the entry; the periodic full sync checks everything again). Without it every event
   * cost one inspect and three processes per running container, before any new one was made.
   */
  private readonly wired = new Map<string, string>();

  constructor(private readonly opts: LinuxDockerRuntimeOptions) {
    this.log = opts.log ?? (() => undefined);
    this.containers = opts.containers ?? dockerContainers(opts.docker, this.log);
    this.images = opts.images ?? dockerImages(opts.docker, this.log);
  }

  /** One operation at a time, in arrival order; a failure does not block the next. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  sync(state: ClusterState, node: string, opts: SyncOptions = {}): Promise<ContainerReport[]> {
    return this.serial(() => this.syncNow(state, node, opts));
  }

  teardown(): Promise<void> {
    return this.serial(async () => {
      for (const c of await this.containers.listOwned(this.opts.node)) await this.removeOne(c, "node teardown");
      await this.opts.kernel.teardown();
      this.view = null;
    });
  }

  watch(emit: (r: ContainerReport) => void): () => void {
    return followDockerEvents({
      docker: this.opts.docker,
      node: this.opts.node,
      log: this.log,
      onEvent: (e) => void this.serial(() => this.onDockerEvent(e, emit)).catch((err) => this.log(`docker event ${e.action}: ${(err as Error).message}`)),
      onReconnect: () => {
        const v = this.view;
        if (v) void this.sync(v.state, this.opts.node).then((rs) => rs.forEach(emit), (err) => this.log(`resync after docker reconnect: ${(err as Error).message}`));
      },
    });
  }

  private async syncNow(state: ClusterState, node: string, opts: SyncOptions): Promise<ContainerReport[]> {
    const full = opts.full !== false;
    if (node !== this.opts.node) throw new AgentError(AgentErrorCodes.InvalidInput, `this runtime serves node ${this.opts.node}, not ${node}`);
    const desired = desiredDataplane(state, node, { underlayIface: this.opts.underlayIface, fastPath: this.opts.fastPath !== false });
    if (!desired) return []; // not a member (yet): touch nothing
    this.view = { state, desired };
    // Docker's list is asked first: the dataplane's reads are processes, and spawning them
    // takes the event loop for a while on a loaded machine.
    const listed = this.containers.listOwned(node);
    // 1. The dataplane, while Docker works (awaited before any wiring, and at the end).
    const dataplane = this.opts.kernel.reconcile(desired, { full }).then((steps) => void (steps.length && this.log(`dataplane: ${steps.length} step(s) applied`)));
    dataplane.catch(() => undefined); // its failure is thrown by the awaits below
    try {
      // Docker's door: Docker makes and removes those containers, the plugin wires them (docker-plugin/).
      const records = localContainers(state, node).filter((r) => !r.origin);
      const actual = await listed;
      // 2. Containers the state no longer holds.
      for (const a of actual) {
        const rec = records.find((r) => r.name === a.name);
        if (!rec || rec.ip !== a.ip || rec.state === "failed") await this.removeOne(a, rec ? "stale" : "not in the state");
      }
      // 3. Containers it holds: new ones first (a person is waiting for them), then the others.
      const reports: ContainerReport[] = [];
      const held = records.filter((r) => r.state !== "failed").map((rec) => ({ rec, existing: actual.find((a) => a.name === rec.name && a.ip === rec.ip) }));
      held.sort((a, b) => Number(!!a.existing) - Number(!!b.existing));
      for (const { rec, existing } of held) {
        if (!full && existing && this.isKnownWired(rec, existing)) continue;
        const report = await this.ensure(rec, existing, desired, dataplane);
        if (report && differs(rec, report)) {
          reports.push(report);
          opts.onReport?.(report);
        }
      }
      await dataplane;
      return reports;
    } finally {
      await dataplane.catch(() => undefined); // the next operation never overlaps this one's kernel work
    }
  }

  private isKnownWired(rec: ContainerRecord, c: ContainerSummary): boolean {
    return rec.state === "running" && c.state === "running" && this.wired.get(c.id) === rec.ip;
  }

  /** `dataplane`: the bridge is there once it resolves; a rejection ends the sync (retried), it fails no container. */
  private async ensure(rec: ContainerRecord, existing: ContainerSummary | undefined, desired: DesiredNode, dataplane: Promise<void>): Promise<ContainerReport | null> {
    const d = existing ? await this.containers.inspect(existing.id) : null;
    if (!d) return rec.state === "pending" ? this.create(rec, desired, dataplane) : this.failed(rec, null, this.gone(rec));
    if (d.restarting) return null; // Docker is on it; its "start" event wires it
    if (!d.running) {
      if (rec.state !== "pending") return rec.state === "running" ? { name: rec.name, ip: rec.ip, state: "exited", exitCode: d.exitCode } : null;
      await this.containers.start(d.id); // created, never started (an agent stopped in between)
      await dataplane;
      return this.wire(rec, d.id, desired);
    }
    await dataplane;
    try {
      await this.attach(rec, d.pid, desired);
      this.wired.set(d.id, rec.ip);
      return { name: rec.name, ip: rec.ip, state: "running" };
    } catch (err) {
      return this.afterAttachError(rec, d.id, d.pid, err).catch((e: Error) => ({ name: rec.name, ip: rec.ip, state: "failed" as const, reason: e.message }));
    }
  }

  /**
   * An attach that failed because the container's process went away meanwhile (Docker
   * stopped or restarted it: `docker restart`, a crash under a restart policy) is no failure
   * of the container, which would be removed for it: Docker's own events say what happened
   * (die: exited; start: wired again). Only a container still running the same process has
   * really failed to be wired: the error is thrown again.
   */
  private async afterAttachError(rec: ContainerRecord, id: string, pid: number, err: unknown): Promise<ContainerReport | null> {
    const now = await this.containers.inspect(id).catch(() => null);
    if (now && now.running && !now.restarting && now.pid === pid) throw err;
    this.log(`wiring ${rec.name} (pid ${pid}) interrupted: ${!now ? "the container is gone" : now.running || now.restarting ? "Docker restarted it" : "it stopped"}`);
    if (!now || now.running || now.restarting) return null;
    return { name: rec.name, ip: rec.ip, state: "exited", exitCode: now.exitCode };
  }

  private gone(rec: ContainerRecord): AgentError {
    return new AgentError(AgentErrorCodes.Docker, `container ${dockerNameFor(rec.name)} is no longer in Docker on node ${this.opts.node} (removed outside ovl, or Docker's data is gone): \`ovl rm ${rec.name}\`, then \`ovl run\` it again`);
  }

  /** Creates, starts and wires a missing container; on failure removes what was half made. */
  private async create(rec: ContainerRecord, desired: DesiredNode, dataplane: Promise<void>): Promise<ContainerReport | null> {
    let id: string | null = null;
    try {
      await this.checkPorts(rec);
      // Its resolver: the node's gateway of its first network, where the agent answers names.
      id = await this.createContainer(rec, resolverOf(this.view?.state.nodes[this.opts.node], rec) ?? desired.node.gateway);
      await this.containers.start(id);
    } catch (err) {
      return this.failed(rec, id, err);
    }
    await dataplane; // outside the try: the dataplane's failure is the sync's, not this container's
    try {
      return await this.wire(rec, id, desired, true);
    } catch (err) {
      return this.failed(rec, id, err);
    }
  }

  /** Docker's create; an image it does not have is pulled, then the create is made again. */
  private async createContainer(rec: ContainerRecord, gateway: string): Promise<string> {
    const spec = {
      ...(this.opts.dnsOnGateway !== false ? { dns: [gateway] } : {}),
      dockerName: dockerNameFor(rec.name),
      image: rec.image,
      cmd: rec.cmd,
      labels: createLabels(this.opts.cluster, this.opts.node, rec.name, rec.ip),
      hostname: rec.name,
      ...(rec.options ? { options: rec.options } : {}),
    };
    try {
      return await this.containers.create(spec);
    } catch (err) {
      if (!(err instanceof AgentError && err.code === AgentErrorCodes.ImageNotFound)) throw err;
      await this.images.pull(rec.image);
      return this.containers.create(spec);
    }
  }

  private async failed(rec: ContainerRecord, id: string | null, err: unknown): Promise<ContainerReport> {
    if (id) await this.removeQuiet(id);
    for (const a of attachmentsOf(rec)) await this.opts.kernel.detachContainer(vethNameFor(a.ip)).catch(() => undefined);
    this.log(`container ${rec.name} failed: ${(err as Error).message}`);
    return { name: rec.name, ip: rec.ip, state: "failed", reason: (err as Error).message };
  }

  /** After a start: wire it if it runs; a container that already exited is reported so. `fresh`: started by this agent just now. */
  private async wire(rec: ContainerRecord, id: string, desired: DesiredNode, fresh = false): Promise<ContainerReport | null> {
    const d = await this.containers.inspect(id);
    if (!d) throw new AgentError(AgentErrorCodes.Docker, `container ${dockerNameFor(rec.name)} vanished right after it started`);
    if (!d.running) return { name: rec.name, ip: rec.ip, state: "exited", exitCode: d.exitCode };
    try {
      await this.attach(rec, d.pid, desired, fresh);
    } catch (err) {
      return this.afterAttachError(rec, id, d.pid, err);
    }
    this.wired.set(id, rec.ip);
    return { name: rec.name, ip: rec.ip, state: "running" };
  }

  private async checkPorts(rec: ContainerRecord): Promise<void> {
    for (const p of rec.ports) {
      if (await this.opts.kernel.isHostPortInUse(p.proto, p.host, p.hostIp)) {
        throw new AgentError(AgentErrorCodes.PortInUse, `host port ${p.host}/${p.proto} is already in use on node ${this.opts.node} by another process`);
      }
    }
  }

  /** One interface per network, in the container's order: eth0 on the first, which holds the default route. */
  private async attach(rec: ContainerRecord, pid: number, desired: DesiredNode, fresh = false): Promise<void> {
    const specs = attachmentsOf(rec).map((a, i) => ({ ...attachSpecFor(a, desired, this.opts.node), pid, fresh, ifname: `eth${i}`, defaultRoute: i === 0 }));
    let changed = false;
    for (const spec of specs) changed = (await this.opts.kernel.attachContainer(spec)) === "attached" || changed;
    if (changed) this.log(`wired ${rec.name} (${attachmentsOf(rec).map((a) => `${a.network} ${a.ip}`).join(", ")}) pid ${pid}`);
  }

  private async removeOne(c: ContainerSummary, why: string): Promise<void> {
    this.log(`removing container ${c.name} (${c.ip}): ${why}`);
    this.removing.add(c.id);
    this.wired.delete(c.id);
    await this.containers.remove(c.id);
    await this.opts.kernel.detachContainer(vethNameFor(c.ip));
  }

  private async removeQuiet(id: string): Promise<void> {
    this.removing.add(id);
    await this.containers.remove(id).catch((err) => this.log(`cleanup of ${id.slice(0, 12)}: ${(err as Error).message}`));
  }

  private async onDockerEvent(e: DockerEvent, emit: (r: ContainerReport) => void): Promise<void> {
    if (e.action === "destroy") return void this.removing.delete(e.id);
    if (e.action === "die" || e.action === "start") this.wired.delete(e.id); // a new process, or none: wired again below or by a sync
    const owned = ownedBy(e.attributes);
    const view = this.view;
    const rec = owned && view ? view.state.nodes[this.opts.node]?.containers[owned.name] : undefined;
    if (!owned || !view || !rec || rec.ip !== owned.ip || rec.state === "failed") return;
    if (e.action === "die" && !this.removing.has(e.id)) {
      const code = Number(e.attributes.exitCode);
      emit({ name: rec.name, ip: rec.ip, state: "exited", exitCode: Number.isInteger(code) ? code : -1 });
    } else if (e.action === "start") {
      const report = await this.wire(rec, e.id, view.desired).catch((err) => ({ name: rec.name, ip: rec.ip, state: "failed" as const, reason: (err as Error).message }));
      if (report) emit(report);
    }
  }
}

/** Where one of a container's interfaces goes: `ovl`'s bridge (and its fast path), or its network's. */
function attachSpecFor(a: Attachment, desired: DesiredNode, node: string): Omit<AttachSpec, "pid"> {
  const common = { ip: a.ip, mac: a.mac, veth: vethNameFor(a.ip), mtu: desired.cluster.mtu };
  if (a.network === DEFAULT_NETWORK) {
    return { ...common, gateway: desired.node.gateway, clusterPrefix: desired.cluster.prefix, fastPath: desired.fastPath && fastPathFits(desired.node.subnet) };
  }
  const n = desired.networks?.find((x) => x.name === a.network);
  if (!n) throw new AgentError(AgentErrorCodes.NetworkNotWired, `node ${node} holds no block of the network ${a.network} (removed, or the node joined before it was made and has not been given one)`);
  return { ...common, gateway: n.gateway, clusterPrefix: parseCidr(n.cidr).prefix, bridge: n.bridge.name };
}
