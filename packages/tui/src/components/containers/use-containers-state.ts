/** The containers view's state: which container is selected (by name, unique in the cluster). */
import { moveSelection } from "../../selection.js";

export interface ContainersState {
  readonly selected: string | null;
}
export type ContainersAction = { readonly type: "move"; readonly delta: number; readonly keys: readonly string[] };

export const initialContainersState: ContainersState = { selected: null };

export function containersReducer(state: ContainersState, action: ContainersAction): ContainersState {
  switch (action.type) {
    case "move":
      return { selected: moveSelection(state.selected, action.keys, action.delta) };
  }
}
