/**
 * ovl's DeciderSpecification (after emmett's): given a history, when a command, then these
 * events, or this error, or nothing.
 *
 *   given([clusterCreated(), joined("n1")]).when(join("n1")).thenNothingHappened();
 *   given([]).when(start("web")).thenThrows("CLUSTER_NOT_CREATED");
 *
 * The given events are folded with the domain's own `evolve`, each stamped with the
 * command's `metadata.now` (the time the decision would carry). Beyond comparing events,
 * every decision here also checks what the domain promises:
 * - purity: the state and the command are deep-frozen, and deciding twice gives the same;
 * - the contract: every given and decided event, wrapped in its envelope, passes
 *   `parseEnvelope` and the published docs/events.schema.json;
 * - errors: an OvlError with the expected code and a one-line message.
 */
import * as assert from "uvu/assert";
import {
  OvlError,
  decide,
  encodeEnvelope,
  envelope,
  evolve,
  emptyState,
  parseEnvelope,
  type ClusterState,
  type OvlCommand,
  type OvlErrorCode,
  type OvlEvent,
} from "@ovl/domain";
import { publishedErrors } from "../domain/schema-check.js";

export interface Then {
  /** Asserts the decision is exactly these events, in order; returns the state after them. */
  then(expected: readonly OvlEvent[]): ClusterState;
  /** Asserts the command is refused with this code (and message pattern); returns the error. */
  thenThrows(code: OvlErrorCode, message?: RegExp): OvlError;
  /** Asserts the command decides no event (an idempotent repeat, a stale report). */
  thenNothingHappened(): ClusterState;
  /** The decided events, for assertions the three above do not cover. */
  events(): readonly OvlEvent[];
}

/** Freezes a value and everything inside it, so a mutation in decide throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Asserts the event, in its envelope, is valid for the domain and for the published schema. */
export function assertConforms(event: OvlEvent, time: string, req?: string): void {
  const env = envelope(event, time, req);
  assert.equal(parseEnvelope(encodeEnvelope(env)), env, `${event.type} does not survive parseEnvelope`);
  const errors = publishedErrors(JSON.parse(JSON.stringify(env)));
  assert.equal(errors, [], `${event.type} does not conform to docs/events.schema.json`);
}

/** Folds events as the stream would hold them, every one stamped with `time`. */
export function fold(events: readonly OvlEvent[], time: string, from: ClusterState = emptyState): ClusterState {
  let state = from;
  for (const event of events) {
    assertConforms(event, time);
    state = evolve(state, event, { time });
  }
  return state;
}

type Outcome = { ok: true; events: OvlEvent[] } | { ok: false; error: unknown };

function attempt(command: OvlCommand, state: ClusterState): Outcome {
  try {
    return { ok: true, events: decide(command, state) };
  } catch (error) {
    return { ok: false, error };
  }
}

function describe(outcome: Outcome): string {
  if (outcome.ok) return `events ${JSON.stringify(outcome.events.map((e) => e.type))}`;
  const e = outcome.error as { code?: string; message?: string };
  return `error ${e.code ?? "(no code)"}: ${e.message ?? String(outcome.error)}`;
}

function decided(command: OvlCommand, state: ClusterState): OvlEvent[] {
  const outcome = attempt(command, state);
  if (!outcome.ok) assert.unreachable(`expected a decision, got ${describe(outcome)}`);
  return (outcome as { events: OvlEvent[] }).events;
}

export function given(history: readonly OvlEvent[], from: ClusterState = emptyState) {
  return {
    when(command: OvlCommand): Then {
      const { now, requestId } = command.metadata;
      const state = deepFreeze(fold(history, now, from));
      deepFreeze(command);
      const outcome = attempt(command, state);
      assert.equal(describe(attempt(command, state)), describe(outcome), "deciding twice gave another answer");
      const after = (events: readonly OvlEvent[]): ClusterState => {
        for (const e of events) assertConforms(e, now, requestId);
        return fold(events, now, state);
      };
      return {
        then(expected) {
          const events = decided(command, state);
          assert.equal(events, expected);
          return after(events);
        },
        thenThrows(code, message) {
          if (outcome.ok) assert.unreachable(`expected ${code}, got ${describe(outcome)}`);
          const error = (outcome as { error: unknown }).error;
          assert.instance(error, OvlError, `expected an OvlError, got ${describe(outcome)}`);
          const err = error as OvlError;
          assert.is(err.code, code, `expected ${code}, got ${describe(outcome)}`);
          assert.ok(!err.message.includes("\n") && err.message.length > 0, "an error message is one non-empty line");
          if (message) assert.match(err.message, message);
          return err;
        },
        thenNothingHappened() {
          assert.equal(decided(command, state), []);
          return state;
        },
        events: () => decided(command, state),
      };
    },
  };
}
