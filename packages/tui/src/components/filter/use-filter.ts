/** Keys while typing a filter: text edits it live, Enter keeps it, Esc clears it. */
import { useInput } from "ink";
import { isErase, splitChunk, typedText } from "../../keys.js";

export function useFilterInput(o: { active: boolean; text: string; onChange: (text: string) => void; onDone: () => void }): void {
  useInput(
    (input, key) => {
      let text = o.text;
      for (const k of splitChunk(input, key)) {
        if (k.key.return) return (o.onChange(text), o.onDone());
        if (k.key.escape) return (o.onChange(""), o.onDone());
        if (isErase(k.key)) text = text.slice(0, -1);
        else text += typedText(k.input, k.key) ?? "";
      }
      o.onChange(text);
    },
    { isActive: o.active },
  );
}
