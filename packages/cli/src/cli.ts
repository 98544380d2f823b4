/**
 * Runs one `ovl` command line and returns its exit code: 0 done, 1 refused or failed,
 * 2 usage. Expected errors become one line on stderr (errors.ts).
 */
import { buildProgram, type Outcome } from "./program.js";
import { reportError } from "./errors.js";

export async function runCli(argv: readonly string[]): Promise<number> {
  const outcome: Outcome = { code: 0 };
  const program = buildProgram(outcome);
  try {
    await program.parseAsync([...argv]);
    return outcome.code;
  } catch (err) {
    return reportError(err);
  }
}
