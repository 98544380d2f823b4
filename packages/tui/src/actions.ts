/**
 * The actions of the console, through the shared client: each reports what happened in
 * words as a notice (the coordinator's answer, or its error with the code).
 */
import type { NatsConnection } from "nats";
import { OvlError, type CommandData } from "@ovl/domain";
import { OvlClient, waitForOutcome, type CheckResult } from "@ovl/client";
import type { Notice } from "./use-app-state.js";

export interface Actions {
  /** Resolves true when the coordinator accepted the request. */
  run(spec: CommandData<"StartContainer">): Promise<boolean>;
  rm(name: string): Promise<boolean>;
  leave(node: string): Promise<boolean>;
  /** The overlay checked between every node pair (ovl check); rejects when it could not run. */
  check(): Promise<CheckResult>;
}

/** How long the screen waits for the agent's verdict after a start was accepted. @default 60000 */
export const OUTCOME_TIMEOUT_MS = 60_000;

export function errorText(err: unknown): string {
  if (err instanceof OvlError) return `refused (${err.code}): ${err.message}`;
  return `failed: ${(err as Error)?.message ?? String(err)}`;
}

const notConnected: Notice = { tone: "error", text: "not connected to NATS yet: wait for the header to say live" };

export function makeActions(nc: NatsConnection | null, notify: (n: Notice) => void): Actions {
  const client = nc ? new OvlClient(nc) : null;
  const attempt = async (label: string, act: (c: OvlClient) => Promise<string>): Promise<boolean> => {
    if (!client) return (notify(notConnected), false);
    notify({ tone: "info", text: `${label}…` });
    try {
      notify({ tone: "ok", text: await act(client) });
      return true;
    } catch (err) {
      notify({ tone: "error", text: `${label}: ${errorText(err)}` });
      return false;
    }
  };
  return {
    run: (spec) =>
      attempt(`starting ${spec.name}`, async (c) => {
        const r = await c.run(spec);
        void followOutcome(nc!, r, notify);
        return `${r.name} placed on ${r.node} at ${r.ip} (seq ${r.seq}); waiting for its agent…`;
      }),
    rm: (name) =>
      attempt(`removing ${name}`, async (c) => {
        const r = await c.rm(name);
        return `${r.name} removed from ${r.node}, ${r.ip} freed (seq ${r.seq})`;
      }),
    leave: (node) =>
      attempt(`asking ${node} to leave`, async (c) => {
        const r = await c.leave(node);
        return `${r.node} is ${r.status} (seq ${r.seq}): its agent tears its network down`;
      }),
    check: () => (client ? client.check() : Promise.reject(new Error(notConnected.text))),
  };
}

async function followOutcome(nc: NatsConnection, c: { name: string; node: string; ip: string; seq: number }, notify: (n: Notice) => void): Promise<void> {
  try {
    const outcome = await waitForOutcome(nc, c, OUTCOME_TIMEOUT_MS);
    if (outcome.state === "running") notify({ tone: "ok", text: `${c.name} is running on ${c.node} at ${c.ip} (seq ${outcome.event.seq})` });
    else notify({ tone: "error", text: `${c.name} ${outcome.state} on ${c.node}: ${outcome.reason}` });
  } catch (err) {
    notify({ tone: "error", text: errorText(err) });
  }
}
