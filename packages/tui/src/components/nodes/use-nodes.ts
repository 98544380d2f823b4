/** Keys of the nodes view: move the selection; L asks to make the selected node leave. */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { NodesAction } from "./use-nodes-state.js";

export interface NodesInput {
  readonly active: boolean;
  readonly keys: () => readonly string[];
  readonly page: number;
  readonly dispatch: (a: NodesAction) => void;
  readonly onLeave: () => void;
}

export function useNodesInput(o: NodesInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.page);
      if (delta !== null) o.dispatch({ type: "move", delta, keys: o.keys() });
      else if (input === "L") o.onLeave();
    },
    { isActive: o.active },
  );
}
