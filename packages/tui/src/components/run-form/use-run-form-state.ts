/**
 * The start-container form: its state, a pure reducer, and the validation that shows
 * problems inline while typing, using the domain's own parsers (the coordinator applies
 * the same rules, so what the form accepts is what the coordinator accepts).
 */
import {
  OvlError,
  OvlErrorCodes,
  parseCommandData,
  parseContainerName,
  parseImage,
  parsePortSpec,
  portsClash,
  type CommandData,
  type PortMapping,
} from "@ovl/domain";

export const TEXT_FIELDS = ["name", "image", "cmd", "ports"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];
export type Field = "node" | TextField;
export const FIELDS: readonly Field[] = ["node", ...TEXT_FIELDS];

/** Shown for the node choice that lets the coordinator place it. */
export const AUTO_NODE = "(auto: most free addresses)";

export interface RunFormState {
  readonly focus: Field;
  readonly values: Readonly<Record<TextField, string>>;
  /** Index into the node options: 0 is automatic placement, then the ready nodes. */
  readonly node: number;
  /** Set by a submit attempt: from then on empty required fields show their error. */
  readonly attempted: boolean;
  /** Counts Enter presses: the form sends when it changes and every field is valid. */
  readonly submits: number;
  readonly sending: boolean;
}

export type RunFormAction =
  | { readonly type: "focus"; readonly delta: number }
  | { readonly type: "type"; readonly text: string }
  | { readonly type: "erase" }
  | { readonly type: "node"; readonly delta: number; readonly count: number }
  | { readonly type: "submit" }
  | { readonly type: "sending"; readonly sending: boolean };

export const initialRunForm = (node = 0): RunFormState => ({
  focus: "name",
  values: { name: "", image: "", cmd: "", ports: "" },
  node,
  attempted: false,
  submits: 0,
  sending: false,
});

export function runFormReducer(state: RunFormState, action: RunFormAction): RunFormState {
  switch (action.type) {
    case "focus": {
      const at = FIELDS.indexOf(state.focus);
      return { ...state, focus: FIELDS[(at + action.delta + FIELDS.length) % FIELDS.length]! };
    }
    case "type":
      if (state.focus === "node") return state;
      return { ...state, values: { ...state.values, [state.focus]: state.values[state.focus] + action.text } };
    case "erase":
      if (state.focus === "node") return state;
      return { ...state, values: { ...state.values, [state.focus]: state.values[state.focus].slice(0, -1) } };
    case "node":
      return action.count <= 0 ? state : { ...state, node: (state.node + action.delta + action.count) % action.count };
    case "submit":
      return { ...state, attempted: true, submits: state.submits + 1 };
    case "sending":
      return { ...state, sending: action.sending };
  }
}

/** Splits a command line on spaces; "double" or 'single' quotes keep spaces in one argument. */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) args.push(m[1] ?? m[2] ?? m[3] ?? "");
  return args;
}

export function parsePortList(raw: string): PortMapping[] {
  const ports = raw.split(/[\s,]+/).filter(Boolean).map(parsePortSpec);
  ports.forEach((p, i) => {
    const clash = ports.findIndex((q, j) => j < i && portsClash(p, q));
    if (clash >= 0) throw new OvlError(OvlErrorCodes.InvalidInput, `port ${p.host}/${p.proto} is published twice`);
  });
  return ports;
}

export interface FormContext {
  /** Node choices after AUTO_NODE: the nodes that are ready. */
  readonly nodes: readonly string[];
  /** Names in use in the cluster: refused before sending. */
  readonly taken: ReadonlySet<string>;
}

export interface Validation {
  readonly errors: Partial<Record<Field, string>>;
  /** The request to send, when there is no error. */
  readonly spec: CommandData<"StartContainer"> | null;
}

function check<T>(errors: Partial<Record<Field, string>>, field: Field, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    errors[field] = (err as Error).message;
    return undefined;
  }
}

export function validateRunForm(state: RunFormState, ctx: FormContext): Validation {
  const errors: Partial<Record<Field, string>> = {};
  const v = state.values;
  const name = check(errors, "name", () => {
    const n = parseContainerName(v.name);
    if (ctx.taken.has(n)) throw new OvlError(OvlErrorCodes.ContainerExists, `container ${n} already exists: choose another name`);
    return n;
  });
  const image = check(errors, "image", () => parseImage(v.image));
  const ports = check(errors, "ports", () => parsePortList(v.ports));
  const node = state.node === 0 ? undefined : ctx.nodes[state.node - 1];
  if (state.node > 0 && node === undefined) errors.node = "that node is no longer ready: choose another";
  if (ctx.nodes.length === 0) errors.node = "no node is ready: start an agent (`ovl agent`) first";
  if (name === undefined || image === undefined || ports === undefined || errors.node) return { errors, spec: null };
  const raw = { name, image, cmd: splitCommand(v.cmd), ports, ...(node ? { node } : {}) };
  const spec = check(errors, "cmd", () => parseCommandData("StartContainer", raw));
  return { errors, spec: spec ?? null };
}

/** The error to show under a field: empty untouched fields stay quiet until a submit attempt. */
export function visibleError(state: RunFormState, v: Validation, field: Field): string | undefined {
  const typed = field === "node" || state.values[field] !== "";
  return typed || state.attempted ? v.errors[field] : undefined;
}
