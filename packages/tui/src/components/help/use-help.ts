/** Keys of the help overlay: any key closes it. */
import { useInput } from "ink";

export function useHelpInput(o: { active: boolean; onClose: () => void }): void {
  useInput(() => o.onClose(), { isActive: o.active });
}
