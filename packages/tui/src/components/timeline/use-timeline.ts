/** Keys while travelling: step through history; t or Esc returns to live. */
import { useKeys } from "../../burst.js";
import type { TimelineAction } from "./use-timeline-state.js";

const STEPS: Record<string, number> = { "[": -100, "]": 100, "{": -1000, "}": 1000 };

export function useTimelineInput(o: { active: boolean; length: number; dispatch: (a: TimelineAction) => void }): void {
  useKeys(
    (input, key) => {
      if (key.leftArrow) o.dispatch({ type: "step", delta: -1, length: o.length });
      else if (key.rightArrow) o.dispatch({ type: "step", delta: 1, length: o.length });
      else if (input in STEPS) o.dispatch({ type: "step", delta: STEPS[input]!, length: o.length });
      else if (key.escape || input === "t") o.dispatch({ type: "exit" });
    },
    { isActive: o.active },
  );
}
