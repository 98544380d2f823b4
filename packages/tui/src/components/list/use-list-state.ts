/**
 * A list view's state (nodes, containers): which row is selected, by key (a node's name, a
 * container's name: unique in the cluster), so it stays selected while rows come and go.
 */
import { moveSelection } from "../../selection.js";

export interface ListState {
  readonly selected: string | null;
}
export type ListAction = { readonly type: "move"; readonly delta: number; readonly keys: readonly string[] };

export const initialListState: ListState = { selected: null };

export function listReducer(state: ListState, action: ListAction): ListState {
  switch (action.type) {
    case "move":
      return { selected: moveSelection(state.selected, action.keys, action.delta) };
  }
}
