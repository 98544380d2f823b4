/** Keys of the events view: move the selection (stops following); f follows the newest again. */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { EventsAction } from "./use-events-state.js";

export interface EventsInput {
  readonly active: boolean;
  readonly keys: () => readonly string[];
  readonly page: number;
  readonly dispatch: (a: EventsAction) => void;
}

export function useEventsInput(o: EventsInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.page);
      if (delta !== null) o.dispatch({ type: "move", delta, keys: o.keys() });
      else if (input === "f") o.dispatch({ type: "follow" });
    },
    { isActive: o.active },
  );
}
