/** Keys of the logs pane: scroll (the list keys, up is older), Esc or q closes, l reads the stream again once it ended. */
import { useKeys } from "../../burst.js";
import { listDelta } from "../../selection.js";
import type { LogsAction } from "./use-logs-state.js";

export interface LogsInput {
  readonly active: boolean;
  /** Lines the pane shows: a page, and the scroll's bound. */
  readonly height: number;
  /** The stream is over (ended or failed): l may open it again. */
  readonly over: boolean;
  readonly dispatch: (a: LogsAction) => void;
  readonly onClose: () => void;
}

export function useLogsInput(o: LogsInput): void {
  useKeys(
    (input, key) => {
      const delta = listDelta(input, key, o.height);
      if (delta !== null) o.dispatch({ type: "scroll", delta: -delta, height: o.height });
      else if (key.escape || input === "q") o.onClose();
      else if (input === "l" && o.over) o.dispatch({ type: "reopen" });
    },
    { isActive: o.active },
  );
}
