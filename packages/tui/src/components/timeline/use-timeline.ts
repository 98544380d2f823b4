/** Keys while travelling: step through history; t or Esc returns to live. */
import type { Key } from "ink";
import { useKeys } from "../../burst.js";
import type { TimelineAction } from "./use-timeline-state.js";

const STEPS: Record<string, number> = { "[": -100, "]": 100, "{": -1000, "}": 1000 };

/** The step a key makes in history (events), or null: not a step key. Pure. */
export function stepOf(input: string, key: Key): number | null {
  if (key.leftArrow) return -1;
  if (key.rightArrow) return 1;
  return input in STEPS ? STEPS[input]! : null;
}

export interface TimelineInput {
  readonly active: boolean;
  /** The live tip's sequence, read when a key comes (a step never passes it). */
  readonly last: () => number;
  readonly dispatch: (a: TimelineAction) => void;
}

export function useTimelineInput(o: TimelineInput): void {
  const step = (delta: number): void => o.dispatch({ type: "step", delta, last: o.last() });
  useKeys(
    (input, key) => {
      const delta = stepOf(input, key);
      if (delta !== null) step(delta);
      else if (key.escape || input === "t") o.dispatch({ type: "exit" });
    },
    { isActive: o.active },
  );
}
