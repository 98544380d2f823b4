/**
 * The events view's state. Newest first; while `follow` is on the selection stays on the
 * newest event as events arrive. Moving the cursor pins it to that event (by sequence) and
 * stops following; `f` or End follows again.
 */
import { moveSelection } from "../../selection.js";

export interface EventsState {
  /** Sequence of the selected event; null while following (the newest is selected). */
  readonly selected: number | null;
  readonly follow: boolean;
}

export type EventsAction =
  | { readonly type: "move"; readonly delta: number; readonly keys: readonly string[] }
  | { readonly type: "follow" };

export const initialEventsState: EventsState = { selected: null, follow: true };

export function eventsReducer(state: EventsState, action: EventsAction): EventsState {
  switch (action.type) {
    case "move": {
      const current = state.selected === null ? null : String(state.selected);
      const next = moveSelection(current, action.keys, action.delta);
      if (next === null || next === action.keys[0]) return { selected: null, follow: true };
      return { selected: Number(next), follow: false };
    }
    case "follow":
      return { selected: null, follow: true };
  }
}
