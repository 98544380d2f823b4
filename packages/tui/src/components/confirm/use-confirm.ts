/** Keys of the confirmation dialog: y or Enter confirms, n or Esc cancels. */
import { useInput } from "ink";

export function useConfirmInput(o: { active: boolean; onAnswer: (yes: boolean) => void }): void {
  useInput(
    (input, key) => {
      if (input === "y" || input === "Y" || key.return) o.onAnswer(true);
      else if (input === "n" || input === "N" || key.escape) o.onAnswer(false);
    },
    { isActive: o.active },
  );
}
