/**
 * The app's own state, apart from each view's: which view shows, which overlay is open,
 * the filter, the detail pane, and the last notice (an action's answer or error).
 */
export const VIEWS = ["nodes", "containers", "events"] as const;
export type ViewName = (typeof VIEWS)[number];

/** What a confirmation dialog will do on "y". */
export type Pending = { readonly kind: "rm"; readonly name: string } | { readonly kind: "leave"; readonly node: string };

export type Overlay =
  | { readonly kind: "help" }
  | { readonly kind: "filter" }
  | { readonly kind: "run" }
  /** A container's logs, followed live from its node's agent. */
  | { readonly kind: "logs"; readonly target: { readonly name: string; readonly node: string } }
  | { readonly kind: "check" }
  | { readonly kind: "confirm"; readonly pending: Pending };

export type Tone = "ok" | "error" | "info";
export interface Notice {
  readonly tone: Tone;
  readonly text: string;
}

export interface AppState {
  readonly view: ViewName;
  readonly overlay: Overlay | null;
  /** One filter per view: switching views keeps each list's filter. */
  readonly filters: Readonly<Record<ViewName, string>>;
  readonly detail: boolean;
  readonly notice: Notice | null;
}

export type AppAction =
  | { readonly type: "view"; readonly view: ViewName }
  | { readonly type: "cycle"; readonly delta: number }
  | { readonly type: "open"; readonly overlay: Overlay }
  | { readonly type: "close" }
  | { readonly type: "filter"; readonly text: string }
  | { readonly type: "detail" }
  | { readonly type: "notice"; readonly notice: Notice | null };

export const initialAppState: AppState = {
  view: "nodes",
  overlay: null,
  filters: { nodes: "", containers: "", events: "" },
  detail: false,
  notice: null,
};

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case "view":
      return { ...state, view: action.view };
    case "cycle": {
      const at = VIEWS.indexOf(state.view);
      return { ...state, view: VIEWS[(at + action.delta + VIEWS.length) % VIEWS.length]! };
    }
    case "open":
      return { ...state, overlay: action.overlay };
    case "close":
      return { ...state, overlay: null };
    case "filter":
      return { ...state, filters: { ...state.filters, [state.view]: action.text } };
    case "detail":
      return { ...state, detail: !state.detail };
    case "notice":
      return { ...state, notice: action.notice };
  }
}
