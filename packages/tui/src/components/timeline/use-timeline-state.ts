/**
 * Time travel: a cursor on the history, as a sequence (null is live). The screen shows
 * the fold of everything up to it. The cursor moves at once with every key, whether the
 * events around it are held yet or not: the store reads them for wherever it ends up.
 */
export interface TimelineState {
  readonly seq: number | null;
}

export type TimelineAction =
  | { readonly type: "enter"; readonly seq: number }
  /** `last`: the live tip; the cursor stays within 1..last. */
  | { readonly type: "step"; readonly delta: number; readonly last: number }
  | { readonly type: "exit" };

export const initialTimelineState: TimelineState = { seq: null };

export function timelineReducer(state: TimelineState, action: TimelineAction): TimelineState {
  switch (action.type) {
    case "enter":
      return { seq: Math.max(1, action.seq) };
    case "step": {
      if (state.seq === null || action.last <= 0) return state;
      return { seq: Math.min(action.last, Math.max(1, state.seq + action.delta)) };
    }
    case "exit":
      return { seq: null };
  }
}
