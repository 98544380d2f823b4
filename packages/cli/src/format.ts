/**
 * Human output: aligned tables (the units come from @ovl/domain's format). Pure, so the exact text is tested.
 * (`--json` output never goes through here: scripts get the views' rows as they are.)
 */

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** A value for a `key=value` summary: strings bare unless they hold spaces. */
export function summaryValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value);
}
