/** Keys of the start-container form. */
import { useInput } from "ink";
import { isErase, splitChunk, typedText } from "../../keys.js";
import type { Key } from "ink";
import type { RunFormAction, RunFormState } from "./use-run-form-state.js";

export interface RunFormInput {
  readonly active: boolean;
  readonly state: RunFormState;
  /** Number of node choices, AUTO_NODE included. */
  readonly choices: number;
  readonly dispatch: (a: RunFormAction) => void;
  readonly onCancel: () => void;
}

function handleKey(o: RunFormInput, input: string, key: Key): void {
  if (key.escape) return o.onCancel();
  if (o.state.sending) return;
  // Submitting is a reducer action: the form sends from an effect, after every key of
  // the same chunk has been applied (see splitChunk).
  if (key.return) return o.dispatch({ type: "submit" });
  if ((key.tab && key.shift) || key.upArrow) return o.dispatch({ type: "focus", delta: -1 });
  if (key.tab || key.downArrow) return o.dispatch({ type: "focus", delta: 1 });
  if (o.state.focus === "node" && (key.leftArrow || key.rightArrow)) {
    return o.dispatch({ type: "node", delta: key.leftArrow ? -1 : 1, count: o.choices });
  }
  if (isErase(key)) return o.dispatch({ type: "erase" });
  const text = typedText(input, key);
  if (text !== null) o.dispatch({ type: "type", text });
}

export function useRunFormInput(o: RunFormInput): void {
  useInput(
    (input, key) => {
      for (const k of splitChunk(input, key)) handleKey(o, k.input, k.key);
    },
    { isActive: o.active },
  );
}
