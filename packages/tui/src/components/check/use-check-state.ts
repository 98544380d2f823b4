/** The check panel's state: running, its matrix, or why there is none (pure reducer). */
import { checkLines, type CheckCell } from "@ovl/domain";

export type CheckViewState =
  | { readonly phase: "idle" }
  | { readonly phase: "running"; readonly since: number }
  | { readonly phase: "done"; readonly ok: boolean; readonly lines: readonly string[]; readonly tookMs: number }
  | { readonly phase: "failed"; readonly error: string };

export type CheckViewAction =
  | { readonly type: "start"; readonly now: number }
  | { readonly type: "done"; readonly nodes: readonly string[]; readonly cells: readonly CheckCell[]; readonly now: number }
  | { readonly type: "failed"; readonly error: string };

export const initialCheckState: CheckViewState = { phase: "idle" };

export function checkReducer(state: CheckViewState, a: CheckViewAction): CheckViewState {
  switch (a.type) {
    case "start":
      return state.phase === "running" ? state : { phase: "running", since: a.now };
    case "done":
      return { phase: "done", ok: a.cells.every((c) => c.ok), lines: checkLines(a.nodes, a.cells), tookMs: state.phase === "running" ? a.now - state.since : 0 };
    case "failed":
      return { phase: "failed", error: a.error };
  }
}
