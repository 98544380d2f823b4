/** Keys while travelling: step through history; t or Esc returns to live. */
import { useKeys } from "../../burst.js";
import type { TimelineAction } from "./use-timeline-state.js";

const STEPS: Record<string, number> = { "[": -100, "]": 100, "{": -1000, "}": 1000 };

export interface TimelineInput {
  readonly active: boolean;
  readonly length: number;
  /** The cursor now, to know when a step goes past the oldest event held. */
  readonly index: number | null;
  readonly dispatch: (a: TimelineAction) => void;
  /** A step back past the oldest event held: read older ones. */
  readonly onPastStart?: () => void;
}

export function useTimelineInput(o: TimelineInput): void {
  const step = (delta: number): void => {
    if (delta < 0 && o.index !== null && o.index + delta < 0) o.onPastStart?.();
    o.dispatch({ type: "step", delta, length: o.length });
  };
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
