/** Keys of a list view: move the selection; the view's own key acts on the selected row (nodes: L leaves, containers: x removes). */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { ListAction } from "./use-list-state.js";

export interface ListInput {
  readonly active: boolean;
  readonly keys: () => readonly string[];
  readonly page: number;
  readonly dispatch: (a: ListAction) => void;
  /** The view's own key and what it does. */
  readonly action: { readonly key: string; readonly run: () => void };
}

export function useListInput(o: ListInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.page);
      if (delta !== null) o.dispatch({ type: "move", delta, keys: o.keys() });
      else if (input === o.action.key) o.action.run();
    },
    { isActive: o.active },
  );
}
