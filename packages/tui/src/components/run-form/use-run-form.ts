/** Keys of the start-container form. */
import { useInput } from "ink";
import { isErase, typedText } from "../../keys.js";
import type { RunFormAction, RunFormState } from "./use-run-form-state.js";

export interface RunFormInput {
  readonly active: boolean;
  readonly state: RunFormState;
  /** Number of node choices, AUTO_NODE included. */
  readonly choices: number;
  readonly dispatch: (a: RunFormAction) => void;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
}

export function useRunFormInput(o: RunFormInput): void {
  useInput(
    (input, key) => {
      if (key.escape) return o.onCancel();
      if (o.state.sending) return;
      if (key.return) return o.onSubmit();
      if ((key.tab && key.shift) || key.upArrow) return o.dispatch({ type: "focus", delta: -1 });
      if (key.tab || key.downArrow) return o.dispatch({ type: "focus", delta: 1 });
      if (o.state.focus === "node" && (key.leftArrow || key.rightArrow)) {
        return o.dispatch({ type: "node", delta: key.leftArrow ? -1 : 1, count: o.choices });
      }
      if (isErase(key)) return o.dispatch({ type: "erase" });
      const text = typedText(input, key);
      if (text !== null) o.dispatch({ type: "type", text });
    },
    { isActive: o.active },
  );
}
