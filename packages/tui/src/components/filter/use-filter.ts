/** Keys while typing a filter: text edits it live, Enter keeps it, Esc clears it. */
import { useInput } from "ink";
import { isErase, typedText } from "../../keys.js";

export function useFilterInput(o: { active: boolean; text: string; onChange: (text: string) => void; onDone: () => void }): void {
  useInput(
    (input, key) => {
      if (key.return) return o.onDone();
      if (key.escape) {
        o.onChange("");
        return o.onDone();
      }
      if (isErase(key)) return o.onChange(o.text.slice(0, -1));
      const text = typedText(input, key);
      if (text !== null) o.onChange(o.text + text);
    },
    { isActive: o.active },
  );
}
