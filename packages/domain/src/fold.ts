import { eventOf, type Envelope } from "./events.js";
import { emptyState, evolve, type ClusterState } from "./state.js";

/** Applies one stored envelope (its time becomes the record's `since`). */
export const applyStored = (state: ClusterState, env: Envelope): ClusterState => evolve(state, eventOf(env), env);

/** The state after a history: what every part of ovl computes, from the same events. */
export const foldEvents = (history: Iterable<Envelope>, from: ClusterState = emptyState): ClusterState => {
  let state = from;
  for (const env of history) state = applyStored(state, env);
  return state;
};
