/** The nodes view's state: which node is selected (by name). */
import { moveSelection } from "../../selection.js";

export interface NodesState {
  readonly selected: string | null;
}
export type NodesAction = { readonly type: "move"; readonly delta: number; readonly keys: readonly string[] };

export const initialNodesState: NodesState = { selected: null };

export function nodesReducer(state: NodesState, action: NodesAction): NodesState {
  switch (action.type) {
    case "move":
      return { selected: moveSelection(state.selected, action.keys, action.delta) };
  }
}
