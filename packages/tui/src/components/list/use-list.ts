/** Keys of a list view: move the selection; the view's own keys act on the selected row (nodes: L leaves; containers: x removes, l shows its logs). */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { ListAction } from "./use-list-state.js";

export interface ListInput {
  readonly active: boolean;
  readonly keys: () => readonly string[];
  readonly page: number;
  readonly dispatch: (a: ListAction) => void;
  /** The view's own keys and what each does. */
  readonly actions: Readonly<Record<string, () => void>>;
}

export function useListInput(o: ListInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.page);
      if (delta !== null) o.dispatch({ type: "move", delta, keys: o.keys() });
      else if (Object.hasOwn(o.actions, input)) o.actions[input]!();
    },
    { isActive: o.active },
  );
}
