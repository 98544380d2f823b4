/**
 * `ovl inspect` for people (pure): the part of Docker's inspect that says how the container
 * was made and how it runs, then its own events from the history, one line each as `ovl
 * events` prints them. Docker's whole document is `--json`'s `docker`.
 */
import { humanBytes, type StoredEvent } from "@ovl/domain";
import type { ContainerInspect } from "@ovl/client";
import { eventLine } from "./events.js";

type Doc = Record<string, unknown>;
const obj = (v: unknown): Doc => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Doc) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const words = (v: unknown): string | undefined => (Array.isArray(v) && v.length ? v.map((w) => (/\s/.test(String(w)) ? JSON.stringify(w) : String(w))).join(" ") : undefined);

function stateText(state: Doc, restarts: number | undefined): string {
  const status = str(state["Status"]) ?? "unknown";
  const since = status === "running" ? str(state["StartedAt"]) : str(state["FinishedAt"]);
  const parts = [since ? `${status} since ${since}` : status];
  if (status !== "running" && num(state["ExitCode"]) !== undefined) parts.push(`exit code ${num(state["ExitCode"])}`);
  if (state["OOMKilled"] === true) parts.push("killed: out of memory");
  if (str(state["Error"])) parts.push(`error: ${str(state["Error"])}`);
  const health = str(obj(state["Health"])["Status"]);
  if (health) parts.push(`health ${health}`);
  if (restarts) parts.push(`restarted ${restarts} times by Docker`);
  return parts.join(", ");
}

function restartText(policy: Doc): string | undefined {
  const name = str(policy["Name"]);
  const max = num(policy["MaximumRetryCount"]);
  return name && name !== "no" && max ? `${name}:${max}` : name;
}

const mountText = (m: Doc): string => `${str(m["Name"]) ?? str(m["Source"]) ?? "?"} -> ${str(m["Destination"]) ?? "?"}${m["RW"] === false ? " (ro)" : ""}`;

/** The lines of Docker's side: label, value; a field Docker left empty is left out. */
export function dockerLines(docker: unknown): Array<readonly [string, string]> {
  const d = obj(docker);
  const config = obj(d["Config"]);
  const host = obj(d["HostConfig"]);
  const networks = Object.entries(obj(obj(d["NetworkSettings"])["Networks"])).map(([net, v]) => `${net} ${str(obj(v)["IPAddress"]) ?? "-"}`);
  const rows: Array<readonly [string, string | undefined]> = [
    ["id", str(d["Id"])?.slice(0, 12)],
    ["docker name", str(d["Name"])?.replace(/^\//, "")],
    ["image", str(config["Image"])],
    ["entrypoint", words(config["Entrypoint"])],
    ["command", words(config["Cmd"])],
    ["state", stateText(obj(d["State"]), num(d["RestartCount"]))],
    ["pid", num(obj(d["State"])["Pid"]) ? String(num(obj(d["State"])["Pid"])) : undefined],
    ["restart", restartText(obj(host["RestartPolicy"]))],
    ["memory", num(host["Memory"]) ? humanBytes(num(host["Memory"])) : undefined],
    ["cpus", num(host["NanoCpus"]) ? String(num(host["NanoCpus"])! / 1e9) : undefined],
    ["mounts", Array.isArray(d["Mounts"]) && d["Mounts"].length ? d["Mounts"].map((m) => mountText(obj(m))).join(", ") : undefined],
    ["networks", networks.length ? networks.join(", ") : undefined],
    ["created", str(d["Created"])],
  ];
  return rows.filter((r): r is readonly [string, string] => r[1] !== undefined);
}

export function inspectText(i: ContainerInspect): string {
  const docker = dockerLines(i.docker).map(([k, v]) => `  ${k.padEnd(12)}${v}`);
  const events = i.events.length ? i.events.map((e: StoredEvent) => eventLine(e)) : ["  (none found in the history)"];
  return [`container ${i.name} on node ${i.node}`, "Docker (from the node's dockerd):", ...docker, "events (its own, from the history):", ...events].join("\n") + "\n";
}
