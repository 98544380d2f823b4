/**
 * Writes docs/events.schema.json from the domain's own TypeBox schemas (`npm run schema`).
 * The file is generated, never edited by hand: test/domain/schema.unit.test.ts fails when
 * it differs from what this script would write, so the published contract and the
 * validation every ovl process runs (parseEnvelope) cannot drift apart.
 *   npx tsx scripts/write-schema.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { eventsJsonSchema } from "@ovl/domain";

export const SCHEMA_FILE = fileURLToPath(new URL("../docs/events.schema.json", import.meta.url));

/** The exact text of docs/events.schema.json: two-space JSON and a final newline. */
export function renderSchema(): string {
  return `${JSON.stringify(eventsJsonSchema(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const text = renderSchema();
  if (argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(SCHEMA_FILE, "utf8");
    } catch {
      // a missing file is simply out of date
    }
    if (current === text) return 0;
    console.error(`${SCHEMA_FILE} is out of date: run \`npm run schema\``);
    return 1;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE} (${Buffer.byteLength(text)} bytes)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
