/**
 * Imported first by index.ts and main.ts, before React loads: React's development build
 * records a performance.measure() per component render and diffs every prop for its dev
 * tools. In a TUI that re-renders 20 times a second for hours that is most of the CPU
 * time and an ever-growing heap (measured: 2 GB after 20,000 events). The tests set
 * NODE_ENV first (test/tui/dev-mode.ts) and keep the development build and its warnings.
 */
process.env.NODE_ENV ??= "production";
export {};
