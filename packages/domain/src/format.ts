/**
 * Short human units shared by the CLI's tables and the TUI's columns, so both print the same
 * size, percentage and age for the same row. Pure: the time "now" comes in as a parameter.
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** 1536 -> "1.5 KiB"; one decimal below 10 units, none above; "-" when unknown. */
export function humanBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "-";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A fraction (load per core, 0..1) as a whole percentage; "-" when unknown. */
export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "-";
  return `${Math.round(fraction * 100)}%`;
}

/** Time since an ISO-8601 instant in two units at most: "4s", "3m12s", "2h5m", "3d4h"; "-" when unknown. */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return "-";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "-";
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
