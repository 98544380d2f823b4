/**
 * Imported first by the TUI's tests, before @ovl/tui (whose index asks for React's
 * production build): tests keep the development build and its warnings.
 */
process.env.NODE_ENV ??= "development";
export {};
