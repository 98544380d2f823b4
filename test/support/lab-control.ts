/**
 * The control plane an end-to-end suite starts by hand on a lab brought up without one: the
 * lab, then its broker, coordinator and agents (run from the sources), each recorded here.
 * `down()` (the suite's test.after) stops them by PID, agents and coordinators before the
 * broker, then takes the lab down and removes the scratch dir (kept with OVL_E2E_KEEP).
 * The lab is the machine's one lab: run these suites under the e2e lock, one at a time.
 *   const ctl = labControl("ovl-names-e2e-");
 *   test.after(() => ctl.down());
 *   info = await ctl.up({ nodes: 2 }); await ctl.startBroker(); ctl.startCoordinator(args); ...
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LAB_CLUSTER,
  labDown,
  labIdentityEnv,
  labUpWhenFree,
  nodePlan,
  prepareLabAuth,
  startAgent,
  startBroker,
  startCoordinator,
  stopProcs,
  waitBroker,
  type ControlArgs,
  type LabInfo,
  type ProcRecord,
} from "@ovl/lab";

const log = (l: string) => console.log(`    ${l}`);
/** How long `up` waits for another suite's lab to go. */
const LAB_WAIT_MS = Number(process.env.OVL_E2E_LAB_WAIT_S ?? 600) * 1000;

export interface LabUp {
  readonly nodes: number;
  /** Nodes behind the lab's router, on a LAN subnet of their own. @default 0 */
  readonly routedNodes?: number;
  /** Identities and TLS like `ovl up`'s, and this process as the operator. @default false */
  readonly locked?: boolean;
}

export interface LabControl {
  /** The suite's scratch dir: the lab's state, logs, stores. */
  readonly dir: string;
  /** The agents running, by node name. */
  readonly agents: ReadonlyMap<string, ProcRecord>;
  /** `ovl coordinator` of the lab's cluster (LAB_CLUSTER), its database under `sub` of the dir, then `extra`. */
  coordinatorArgs(sub: string, extra?: readonly string[]): string[];
  /** The lab without its control plane. */
  up(opts: LabUp): Promise<LabInfo>;
  /** The lab's broker, answering. */
  startBroker(): Promise<ProcRecord>;
  startCoordinator(args: ControlArgs): ProcRecord;
  /** The agent of node `name` ("n2"), in its namespace. */
  startAgent(name: string, args: ControlArgs): ProcRecord;
  /** Stops these recorded processes by PID and forgets them; those that outlived SIGKILL. */
  stop(procs: readonly ProcRecord[], graceMs?: number): Promise<ProcRecord[]>;
  /** Every process started here: agents and coordinators, then the broker; those that outlived SIGKILL. */
  stopAll(): Promise<ProcRecord[]>;
  /** The recorded coordinators and brokers. */
  control(role: "coordinator" | "broker"): ProcRecord[];
  /** For test.after: everything stopped, the lab down, the dir removed. */
  down(): Promise<void>;
}

export function labControl(prefix: string): LabControl {
  // The processes run the code under test, not a bundle built earlier.
  process.env.OVL_FROM_SOURCE = "1";
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let info: LabInfo | null = null;
  const control: ProcRecord[] = [];
  const agents = new Map<string, ProcRecord>();

  const forget = (p: ProcRecord) => {
    if (control.includes(p)) control.splice(control.indexOf(p), 1);
    for (const [name, a] of agents) if (a === p) agents.delete(name);
  };
  const stop = async (procs: readonly ProcRecord[], graceMs = 8000) => {
    const left = await stopProcs(procs, graceMs);
    procs.forEach(forget);
    return left;
  };
  const stopAll = async () => [
    ...(await stop([...agents.values(), ...control.filter((p) => p.role === "coordinator")])),
    ...(await stop(control.filter((p) => p.role === "broker"))),
  ];

  return {
    dir,
    agents,
    coordinatorArgs: (sub, extra = []) => [
      "coordinator", "--db", join(dir, sub, "coordinator.db"), "--cidr", LAB_CLUSTER.cidr, "--block-prefix", String(LAB_CLUSTER.blockPrefix),
      "--vni", String(LAB_CLUSTER.vni), "--vxlan-port", String(LAB_CLUSTER.vxlanPort), ...extra,
    ],
    async up(opts) {
      info = await labUpWhenFree({ nodes: opts.nodes, routedNodes: opts.routedNodes ?? 0, dir, startControlPlane: false, ensurePackages: false, log }, LAB_WAIT_MS, 15_000);
      if (opts.locked) {
        await prepareLabAuth(dir, info.nodes.map((n) => n.name));
        Object.assign(process.env, labIdentityEnv(dir, "operator"));
      }
      return info;
    },
    async startBroker() {
      const broker = startBroker(dir);
      control.push(broker);
      await waitBroker(broker);
      return broker;
    },
    startCoordinator(args) {
      const c = startCoordinator(dir, args);
      control.push(c);
      return c;
    },
    startAgent(name, args) {
      const node = info?.nodes.find((n) => n.name === name);
      if (!node) throw new Error(`no lab node ${name} (is the lab up?)`);
      const a = startAgent(dir, nodePlan(Number(name.slice(1)), dir, node.routed), args);
      agents.set(name, a);
      return a;
    },
    stop,
    stopAll,
    control: (role) => control.filter((p) => p.role === role),
    async down() {
      (await stopAll()).forEach((p) => log(`warning: ${p.role} ${p.node ?? ""} PID ${p.pid} survived SIGKILL`));
      if (info) (await labDown({ dir, log }).catch((err: Error) => ({ warnings: [err.message] }))).warnings.forEach((w) => log(`lab down warning: ${w}`));
      if (!process.env.OVL_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
      else log(`lab logs kept in ${dir}/logs`);
    },
  };
}
