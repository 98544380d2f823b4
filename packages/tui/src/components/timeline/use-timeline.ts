/** Keys while travelling: step through history; t or Esc returns to live. */
import { useKeys } from "../../burst.js";
import type { TimelineAction } from "./use-timeline-state.js";

const STEPS: Record<string, number> = { "[": -100, "]": 100, "{": -1000, "}": 1000 };

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
      if (key.leftArrow) step(-1);
      else if (key.rightArrow) step(1);
      else if (input in STEPS) step(STEPS[input]!);
      else if (key.escape || input === "t") o.dispatch({ type: "exit" });
    },
    { isActive: o.active },
  );
}
