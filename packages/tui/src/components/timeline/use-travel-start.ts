/**
 * Starting time travel without losing a key. Two cases lost them: `t` typed before any
 * event was read (a TUI still reading its snapshot has nothing to travel in), and steps
 * typed in the same read as `t` (`t{{{`: the travel keys' hook is only active once the
 * screen shows the travel, a render later). Here `t` with nothing read is remembered and
 * starts the travel when the first events arrive, and steps typed meanwhile, or right
 * after `t` before the travel shows, are dispatched after it, in order.
 */
import { useEffect, useRef } from "react";
import type { TimelineAction } from "./use-timeline-state.js";

export interface TravelStartInput {
  /** The live tip's sequence now (0: nothing read yet). */
  readonly last: () => number;
  readonly travelling: boolean;
  readonly dispatch: (a: TimelineAction) => void;
}

export interface TravelStart {
  /** `t`: travel to `seq` (null: the newest event), now or once events are read. */
  start(seq: number | null): void;
  /** A step key typed while the travel is not shown yet. */
  step(delta: number): void;
}

export function useTravelStart(o: TravelStartInput): TravelStart {
  const waiting = useRef<{ seq: number | null; steps: number[] } | null>(null);
  const entering = useRef(false);
  const enter = (seq: number | null, steps: readonly number[]) => {
    o.dispatch({ type: "enter", seq: seq ?? o.last() });
    for (const delta of steps) o.dispatch({ type: "step", delta, last: o.last() });
    entering.current = true;
  };
  useEffect(() => {
    if (o.travelling) entering.current = false;
  }, [o.travelling]);
  // After every render (the app renders when events arrive): the first events start a waiting travel.
  useEffect(() => {
    const w = waiting.current;
    if (w && o.last() > 0) {
      waiting.current = null;
      enter(w.seq, w.steps);
    }
  });
  return {
    start: (seq) => (o.last() > 0 ? enter(seq, []) : (waiting.current = { seq, steps: [] })),
    step: (delta) => {
      if (waiting.current) waiting.current.steps.push(delta);
      else if (entering.current) o.dispatch({ type: "step", delta, last: o.last() });
    },
  };
}
