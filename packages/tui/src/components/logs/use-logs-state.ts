/**
 * The logs pane's state (pure): the lines held (stdout and stderr in arrival order, each
 * cut at newlines, the unfinished line of each stream kept apart until it ends), how far
 * back from the newest line the pane is scrolled, and where the stream stands.
 */

/** Lines asked from Docker when the pane opens (its `--tail`). */
export const LOG_TAIL = 200;
/** Lines held; older ones are dropped. */
export const LOG_KEEP = 5000;
/** An unfinished line longer than this is shown as it is (a stream without newlines). */
const PARTIAL_MAX = 4096;

export interface LogLine {
  readonly text: string;
  readonly err: boolean;
}

export type LogPhase =
  | { readonly phase: "opening" }
  | { readonly phase: "following" }
  | { readonly phase: "ended"; readonly text: string }
  | { readonly phase: "failed"; readonly text: string };

export interface LogsState {
  readonly lines: readonly LogLine[];
  readonly partial: { readonly out: string; readonly err: string };
  /** Lines between the newest and the last one shown; 0 follows the newest. */
  readonly back: number;
  readonly status: LogPhase;
  /** Bumped to open the stream again (the effect depends on it). */
  readonly attempt: number;
}

export type LogsAction =
  | { readonly type: "reset" }
  | { readonly type: "data"; readonly stream: "out" | "err"; readonly text: string }
  | { readonly type: "scroll"; readonly delta: number; readonly height: number }
  | { readonly type: "ended"; readonly text: string }
  | { readonly type: "failed"; readonly text: string }
  | { readonly type: "reopen" };

export const initialLogsState: LogsState = { lines: [], partial: { out: "", err: "" }, back: 0, status: { phase: "opening" }, attempt: 0 };

/** What a terminal would not show as text: colour and cursor sequences, control characters; tabs as spaces. */
export function cleanLine(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
    .replace(/\t/g, "    ")
    .replace(/[\u0000-\u001f\u007f]/g, "");
}

const keep = (lines: readonly LogLine[]): readonly LogLine[] => (lines.length > LOG_KEEP ? lines.slice(lines.length - LOG_KEEP) : lines);

function add(state: LogsState, stream: "out" | "err", text: string): LogsState {
  const parts = (state.partial[stream] + text).split("\n");
  let rest = parts.pop()!;
  if (rest.length > PARTIAL_MAX) (parts.push(rest), (rest = ""));
  const added = parts.map((p) => ({ text: cleanLine(p), err: stream === "err" }));
  const lines = keep(added.length ? [...state.lines, ...added] : state.lines);
  // Scrolled back, the lines shown stay where they are while new ones arrive below.
  const back = state.back > 0 ? Math.min(lines.length, state.back + added.length) : 0;
  const status = state.status.phase === "opening" ? { phase: "following" as const } : state.status;
  return { ...state, lines, back, status, partial: { ...state.partial, [stream]: rest } };
}

/** The unfinished lines become lines: the stream is over. */
function flush(state: LogsState): LogsState {
  const tail = (["out", "err"] as const).filter((s) => state.partial[s] !== "").map((s) => ({ text: cleanLine(state.partial[s]), err: s === "err" }));
  return { ...state, lines: keep([...state.lines, ...tail]), partial: { out: "", err: "" } };
}

/** The highest `back` that still fills a pane of `height` lines. */
export const maxBack = (count: number, height: number): number => Math.max(0, count - height);

export function logsReducer(state: LogsState, action: LogsAction): LogsState {
  switch (action.type) {
    case "reset":
      return { ...initialLogsState, attempt: state.attempt };
    case "data":
      return add(state, action.stream, action.text);
    case "scroll": {
      const top = maxBack(state.lines.length, action.height);
      return { ...state, back: Math.max(0, Math.min(top, Math.min(state.back, top) + action.delta)) };
    }
    case "ended":
      return { ...flush(state), status: { phase: "ended", text: action.text } };
    case "failed":
      return { ...flush(state), status: { phase: "failed", text: action.text } };
    case "reopen":
      return { ...initialLogsState, attempt: state.attempt + 1 };
  }
}

/** The lines a pane of `height` shows: the newest, or `back` lines before them. */
export function visibleLines(state: LogsState, height: number): readonly LogLine[] {
  const end = state.lines.length - Math.min(state.back, maxBack(state.lines.length, height));
  return state.lines.slice(Math.max(0, end - height), end);
}
