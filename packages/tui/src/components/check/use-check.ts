/** Runs `ovl check` for the panel (one at a time) and its keys: c again, Esc or q closes. */
import { useCallback, useReducer, useRef } from "react";
import { useInput } from "ink";
import type { CheckCell } from "@ovl/domain";
import { checkReducer, initialCheckState, type CheckViewState } from "./use-check-state.js";
import { errorText } from "../../actions.js";

export type RunCheck = () => Promise<{ readonly nodes: readonly string[]; readonly cells: readonly CheckCell[] }>;

export function useCheck(o: { active: boolean; run: RunCheck; onClose: () => void }): { state: CheckViewState; start: () => void } {
  const [state, dispatch] = useReducer(checkReducer, initialCheckState);
  const running = useRef(false);
  const start = useCallback(() => {
    if (running.current) return;
    running.current = true;
    dispatch({ type: "start", now: Date.now() });
    o.run()
      .then((r) => dispatch({ type: "done", nodes: r.nodes, cells: r.cells, now: Date.now() }), (err: unknown) => dispatch({ type: "failed", error: errorText(err) }))
      .finally(() => (running.current = false));
  }, [o.run]);
  useInput(
    (input, key) => {
      if (key.escape || input === "q") o.onClose();
      else if (input === "c") start();
    },
    { isActive: o.active },
  );
  return { state, start };
}
