/** The app's own keys, active when no overlay has the keyboard. */
import { useKeys } from "./burst.js";
import { stepOf } from "./components/timeline/use-timeline.js";
import type { AppAction, ViewName } from "./use-app-state.js";

export interface AppInput {
  readonly active: boolean;
  readonly travelling: boolean;
  readonly dispatch: (a: AppAction) => void;
  readonly onRun: () => void;
  readonly onCheck: () => void;
  readonly onTravel: () => void;
  /** A step key while not travelling (yet): typed right after `t`, it counts once the travel shows. */
  readonly onStep: (delta: number) => void;
  readonly onEscape: () => void;
  readonly onQuit: () => void;
}

const BY_NUMBER: Record<string, ViewName> = { "1": "nodes", "2": "containers", "3": "events" };

export function useAppInput(o: AppInput): void {
  useKeys(
    (input, key) => {
      if (input in BY_NUMBER) o.dispatch({ type: "view", view: BY_NUMBER[input]! });
      else if (key.tab) o.dispatch({ type: "cycle", delta: key.shift ? -1 : 1 });
      else if (input === "?") o.dispatch({ type: "open", overlay: { kind: "help" } });
      else if (input === "/") o.dispatch({ type: "open", overlay: { kind: "filter" } });
      else if (key.return) o.dispatch({ type: "detail" });
      else if (input === "r") o.onRun();
      else if (input === "c") o.onCheck();
      else if (input === "t" && !o.travelling) o.onTravel();
      else if (input === "q") o.onQuit();
      else if (key.escape && !o.travelling) o.onEscape();
      else if (!o.travelling && stepOf(input, key) !== null) o.onStep(stepOf(input, key)!);
    },
    { isActive: o.active },
  );
}
