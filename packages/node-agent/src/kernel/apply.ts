/**
 * apply(steps): the one executor. Each step becomes one or two commands through the Runner.
 * - Ensure steps are idempotent (replace, not add), and stop the run when they fail: what
 *   follows may depend on them (a VXLAN device needs its bridge). No undo is attempted; the
 *   next reconcile reads the half-made state and plans only what is missing.
 * - Removal steps tolerate "already gone" and never stop the run (CNI cmdDel).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { KernelError, KernelErrorCodes, isAlreadyGone, runAs, type Runner } from "./exec.js";
import { readSysctl } from "./actual.js";
import { ruleLines } from "./iptables.js";
import type { StateStore } from "./state-file.js";
import { BRIDGE, TC_BLOCK, arpRetransArgs, proxyArpKey } from "./names.js";
import { applyToolBatch, batchLines, batchToolOf, entriesByTool, goneFor, stepCommands, type StepCommand } from "./apply-batch.js";
import type { Step } from "./types.js";
import { setRouteLocalnet } from "./localnet.js";

export interface ApplyContext {
  readonly run: Runner;
  readonly store: StateStore;
  /** Where the nft script is written before `nft -f`. */
  readonly stateDir: string;
  readonly log: (line: string) => void;
}

/** A one-line account of a step, for logs and reports. */
export function describeStep(s: Step): string {
  switch (s.op) {
    case "sysctl": return `set sysctl ${s.key}=${s.value}`;
    case "link-del": return `delete link ${s.name} (${s.why})`;
    case "bridge-add": return `add bridge ${s.name} mac ${s.mac} mtu ${s.mtu}`;
    case "bridge-set": return `fix bridge ${s.name} (${s.why})`;
    case "addr-add": return `add address ${s.cidr} to ${s.dev}`;
    case "addr-del": return `remove address ${s.cidr} from ${s.dev}`;
    case "vxlan-add": return `add vxlan ${s.name} vni ${s.vni} port ${s.port} local ${s.local} dev ${s.dev}`;
    case "link-set": return `set link ${s.name}${s.mtu ? ` mtu ${s.mtu}` : ""}${s.master ? ` master ${s.master}` : ""}${s.up ? " up" : ""}`;
    case "neigh-replace": return `set neighbour ${s.ip} lladdr ${s.mac} on ${s.dev}`;
    case "neigh-del": return `remove neighbour ${s.ip} from ${s.dev}`;
    case "fdb-replace": return `set fdb ${s.mac} dst ${s.dst} on ${s.dev}`;
    case "fdb-del": return `remove fdb ${s.mac} dst ${s.dst} from ${s.dev}`;
    case "nft-load": return "load nftables table ip ovl";
    case "iptables-chain": return `ensure iptables chain ${s.chain} and the FORWARD jump to it`;
    case "iptables-insert": return `insert iptables rule into ${s.chain}: ${s.rule.join(" ")}`;
    case "iptables-delete": return `remove iptables rule from ${s.chain}: ${s.rule.join(" ")}`;
    case "tc-qdisc": return `set clsact on ${s.dev}${s.block === null ? "" : ` with ingress block ${s.block}`}`;
    case "tc-filter": return `set tc filter ${s.target === "vx" ? "on ovl-vx ingress" : `in block ${TC_BLOCK}`} pref ${s.pref}: dst ${s.dst} ${s.to === null ? "stays on the bridge" : `to ${s.to}`}`;
    case "tc-filter-del": return `remove tc filter ${s.target === "vx" ? "on ovl-vx ingress" : `in block ${TC_BLOCK}`} pref ${s.pref}`;
    case "route-replace": return `route ${s.dst} via ${s.via} dev ${s.dev} src ${s.src}`;
    case "route-del": return `remove route ${s.dst}`;
    case "proxy-arp": return `answer ARP by proxy on ${s.dev}`;
  }
}

const isRemoval = (s: Step): boolean => s.op === "link-del" || s.op === "addr-del" || s.op === "neigh-del" || s.op === "fdb-del" || s.op === "tc-filter-del" || s.op === "route-del" || s.op === "iptables-delete";

/** Runs a removal; "already gone" is success. */
export async function remove(run: Runner, what: string, cmd: string, argv: string[]): Promise<void> {
  try {
    await runAs(run, what, cmd, argv);
  } catch (err) {
    if (!isAlreadyGone(err)) throw err;
  }
}

/** A batchable step's commands one process each, in order; a removal's "already gone" is success. */
async function runCommands(run: Runner, what: string, commands: readonly StepCommand[]): Promise<void> {
  for (const c of commands) {
    try {
      await runAs(run, what, c.tool, [...c.args]);
    } catch (err) {
      if (!c.removal || !goneFor(c.tool)(err)) throw err;
    }
  }
}

async function setSysctl(ctx: ApplyContext, key: string, value: string): Promise<void> {
  const before = await readSysctl(ctx.run, key);
  // Record the original once, before the first change: a restarted agent sees "1" and must not record it.
  if (ctx.store.read().sysctls[key] === undefined) ctx.store.update((s) => ({ ...s, sysctls: { ...s.sysctls, [key]: before } }));
  await runAs(ctx.run, `set sysctl ${key}=${value}`, "sysctl", ["-q", "-w", `${key}=${value}`]);
}

async function ensureChain(ctx: ApplyContext, chain: string): Promise<void> {
  const listing = (await runAs(ctx.run, "list iptables filter table", "iptables", ["-S"])).stdout;
  if (!listing.split("\n").includes(`-N ${chain}`)) {
    ctx.store.update((s) => ({ ...s, createdDockerUser: true })); // intent first: teardown tolerates a missing chain
    await runAs(ctx.run, `create iptables chain ${chain}`, "iptables", ["-w", "-N", chain]);
  }
  const lines = ruleLines(listing);
  // Docker's own layout: DOCKER-USER ends in RETURN and FORWARD jumps to it first.
  if (!lines.some((l) => l.startsWith(`-A ${chain} `))) await runAs(ctx.run, `add RETURN to ${chain}`, "iptables", ["-w", "-A", chain, "-j", "RETURN"]);
  if (!lines.includes(`-A FORWARD -j ${chain}`)) await runAs(ctx.run, `add FORWARD jump to ${chain}`, "iptables", ["-w", "-I", "FORWARD", "-j", chain]);
}

async function insertRule(ctx: ApplyContext, chain: string, rule: readonly string[]): Promise<void> {
  // -C before -I, never a duplicate. -C exits 1 for "no such rule", and any other failure
  // of it shows again, with its reason, in the -I that follows.
  const present = await ctx.run("iptables", ["-w", "-C", chain, ...rule]).then(() => true, () => false);
  if (present) return;
  await runAs(ctx.run, `insert rule into ${chain} (${rule.join(" ")})`, "iptables", ["-w", "-I", chain, ...rule]);
}

async function loadNft(ctx: ApplyContext, script: string): Promise<void> {
  const path = join(ctx.stateDir, "ovl.nft");
  writeFileSync(path, script);
  await runAs(ctx.run, "load nftables table ip ovl", "nft", ["-f", path]);
  await setRouteLocalnet(ctx.run, BRIDGE); // the table's 127.0.0.1 DNAT needs it
}

function linkSetArgs(s: Extract<Step, { op: "link-set" }>): string[] {
  return ["link", "set", s.name, ...(s.mtu ? ["mtu", String(s.mtu)] : []), ...(s.master ? ["master", s.master] : []), ...(s.up ? ["up"] : [])];
}

const NO_NF_CALLS = ["nf_call_iptables", "0", "nf_call_ip6tables", "0", "nf_call_arptables", "0"];

/** Runs one step. */
export async function applyStep(ctx: ApplyContext, s: Step): Promise<void> {
  const what = describeStep(s);
  const ip = (argv: string[]) => runAs(ctx.run, what, "ip", argv);
  switch (s.op) {
    case "sysctl": return setSysctl(ctx, s.key, s.value);
    case "link-del": return remove(ctx.run, what, "ip", ["link", "del", s.name]);
    case "bridge-add":
    case "bridge-set":
      await ip(["link", s.op === "bridge-add" ? "add" : "set", s.name, "address", s.mac, "mtu", String(s.mtu), "type", "bridge", ...NO_NF_CALLS]);
      await ip(arpRetransArgs(s.name));
      return setRouteLocalnet(ctx.run, s.name);
    case "addr-add": return void (await ip(["addr", "replace", s.cidr, "dev", s.dev]));
    case "addr-del": return remove(ctx.run, what, "ip", ["addr", "del", s.cidr, "dev", s.dev]);
    case "vxlan-add":
      return void (await ip(["link", "add", s.name, "mtu", String(s.mtu), "type", "vxlan", "id", String(s.vni), "dstport", String(s.port), "local", s.local, "dev", s.dev, "nolearning", "proxy"]));
    case "link-set": return void (await ip(linkSetArgs(s)));
    case "neigh-replace":
    case "neigh-del":
    case "fdb-replace":
    case "fdb-del":
    case "tc-qdisc":
    case "tc-filter":
    case "tc-filter-del":
    case "route-replace":
    case "route-del":
      return runCommands(ctx.run, what, stepCommands(s));
    case "nft-load": return loadNft(ctx, s.script);
    case "iptables-chain": return ensureChain(ctx, s.chain);
    case "iptables-insert": return insertRule(ctx, s.chain, s.rule);
    case "iptables-delete": return remove(ctx.run, what, "iptables", ["-w", "-D", s.chain, ...s.rule]);
    case "proxy-arp":
      // The device's own setting, gone with it: nothing to restore on teardown. No delay
      // (the kernel's default waits up to 0.8 s before a proxied answer).
      await runAs(ctx.run, what, "sysctl", ["-q", "-w", `${proxyArpKey(s.dev)}=1`]);
      return void (await ip(["ntable", "change", "name", "arp_cache", "dev", s.dev, "proxy_delay", "0"]));
  }
}

/** A reconcile that did not finish: what was applied, and every failure. */
export class ApplyError extends KernelError {
  override readonly name = "ApplyError";
  constructor(
    readonly applied: readonly Step[],
    readonly failures: readonly { step: Step; error: Error }[],
  ) {
    const first = failures[0]!;
    super(KernelErrorCodes.CommandFailed, `${first.error.message}${failures.length > 1 ? ` (and ${failures.length - 1} more failures)` : ""}`, { cause: first.error });
  }
}

type RuleInsert = Extract<Step, { op: "iptables-insert" }>;

/**
 * A new node's accept rules in one `iptables-restore --noflush` (one transaction) instead
 * of a `-C` and an `-I` process each: the plan listed only rules the chain lacks. The `-I`
 * lines run in the steps' order, as the single inserts would. On failure the steps run one
 * by one (with their `-C`), so the error names the rule.
 */
async function applyRules(ctx: ApplyContext, run: readonly RuleInsert[]): Promise<boolean> {
  const path = join(ctx.stateDir, "ovl.rules");
  writeFileSync(path, ["*filter", ...run.map((s) => `-I ${s.chain} ${s.rule.join(" ")}`), "COMMIT", ""].join("\n"));
  return ctx.run("iptables-restore", ["-w", "--noflush", path]).then(() => true, () => false);
}

/** What puts steps in one process: their tool (apply-batch.ts), or iptables-restore for inserts; null: none. */
const groupOf = (s: Step): string | null => (s.op === "iptables-insert" ? s.op : batchToolOf(s));

/** The next run of steps that go in one process, starting at i (length 1 when there is none). */
function runAt(steps: readonly Step[], i: number): Step[] {
  const key = groupOf(steps[i]!);
  let j = i + 1;
  if (key !== null) while (j < steps.length && groupOf(steps[j]!) === key) j++;
  return steps.slice(i, j);
}

function applyGroup(ctx: ApplyContext, group: readonly Step[]): Promise<boolean> {
  const tool = batchToolOf(group[0]!);
  return tool ? applyToolBatch(ctx.run, ctx.stateDir, tool, group) : applyRules(ctx, group as RuleInsert[]);
}

/** Runs the steps in order; returns them when all succeeded, throws ApplyError otherwise. */
export async function apply(ctx: ApplyContext, planned: readonly Step[]): Promise<Step[]> {
  const steps = entriesByTool(planned);
  const done: Step[] = [];
  const failures: { step: Step; error: Error }[] = [];
  for (let i = 0; i < steps.length && !(failures.length && !isRemoval(failures.at(-1)!.step)); ) {
    const group = runAt(steps, i);
    i += group.length;
    if ((group.length > 1 || batchLines(group[0]!).length > 1) && (await applyGroup(ctx, group))) {
      done.push(...group);
      group.forEach((s) => ctx.log(describeStep(s)));
      continue;
    }
    for (const step of group) {
      try {
        await applyStep(ctx, step);
        done.push(step);
        ctx.log(describeStep(step));
      } catch (err) {
        failures.push({ step, error: err as Error });
        ctx.log(`failed: ${(err as Error).message}`);
        if (!isRemoval(step)) break;
      }
    }
  }
  // In the plan's order, whatever order they ran in.
  const applied = planned.filter((s) => done.includes(s));
  if (failures.length) throw new ApplyError(applied, failures);
  return applied;
}
