// Preloaded into every test process by test/run.mjs: SIGTERM and SIGINT end the process
// through process.exit, so the suites' "exit" hooks run (they delete the network namespaces
// and kill the servers a test made). Node's default for these signals skips those hooks.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    console.error(`test: ${signal} received, ending (exit hooks clean up)`);
    process.exit(signal === "SIGTERM" ? 143 : 130);
  });
}
