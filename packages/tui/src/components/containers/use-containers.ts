/** Keys of the containers view: move the selection; x asks to remove the selected container. */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { ContainersAction } from "./use-containers-state.js";

export interface ContainersInput {
  readonly active: boolean;
  readonly keys: () => readonly string[];
  readonly page: number;
  readonly dispatch: (a: ContainersAction) => void;
  readonly onRemove: () => void;
}

export function useContainersInput(o: ContainersInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.page);
      if (delta !== null) o.dispatch({ type: "move", delta, keys: o.keys() });
      else if (input === "x") o.onRemove();
    },
    { isActive: o.active },
  );
}
