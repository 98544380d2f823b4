/**
 * Time travel: a cursor on the history (an index into it, so gaps in sequence numbers
 * cost nothing). null is live. The screen shows the fold of everything up to the cursor.
 */
export interface TimelineState {
  readonly index: number | null;
}

export type TimelineAction =
  | { readonly type: "enter"; readonly index: number }
  | { readonly type: "step"; readonly delta: number; readonly length: number }
  | { readonly type: "exit" }
  /** Older events were put in front of the history: the same event is `by` further on. */
  | { readonly type: "shift"; readonly by: number };

export const initialTimelineState: TimelineState = { index: null };

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case "enter":
      return { index: Math.max(0, action.index) };
    case "step": {
      if (state.index === null || action.length === 0) return state;
      return { index: Math.min(action.length - 1, Math.max(0, state.index + action.delta)) };
    }
    case "exit":
      return { index: null };
    case "shift":
      return state.index === null ? state : { index: state.index + action.by };
  }
}
