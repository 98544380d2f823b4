/**
 * The report's chart, as SVG written by hand (no plotting package): one panel per row,
 * one horizontal bar per variant at its median, a whisker from min to max, the value
 * printed at the bar's end. Each panel has its own scale (Gbit/s and ms do not mix).
 */
import type { Row } from "./report-types.js";

const W = 760, LABEL = 190, BAR = 18, GAP = 6, HEAD = 26, PAD = 14;
const COLORS: Record<string, string> = { ovl: "#1f77b4", LAN: "#7f7f7f", Swarm: "#ff7f0e", swarm: "#ff7f0e" };
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function panel(row: Row, y0: number): { svg: string; height: number } {
  const vs = row.variants.filter((v) => v.summary.n > 0);
  const max = Math.max(...vs.map((v) => v.summary.max), 1e-9) * 1.15;
  const scale = (x: number) => LABEL + ((W - LABEL - 90) * x) / max;
  const title = row.title.length > 95 ? `${row.title.slice(0, 94)}…` : row.title;
  const parts = [`<text x="${PAD}" y="${y0 + 16}" font-weight="bold">${esc(title)} [${esc(row.unit)}]${row.higherIsBetter ? " (higher is better)" : " (lower is better)"}</text>`];
  vs.forEach((v, i) => {
    const y = y0 + HEAD + i * (BAR + GAP);
    const s = v.summary;
    const color = COLORS[v.name] ?? "#2ca02c";
    parts.push(
      `<text x="${LABEL - 6}" y="${y + 13}" text-anchor="end">${esc(v.name)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(scale(s.median) - LABEL).toFixed(1)}" height="${BAR}" fill="${color}"/>`,
      `<line x1="${scale(s.min).toFixed(1)}" x2="${scale(s.max).toFixed(1)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" stroke="#000" stroke-width="1.5"/>`,
      `<text x="${(scale(s.max) + 6).toFixed(1)}" y="${y + 13}">${fmt(s.median)}</text>`,
    );
  });
  return { svg: parts.join("\n"), height: HEAD + vs.length * (BAR + GAP) + PAD };
}

export function chartSvg(title: string, rows: readonly Row[]): string {
  let y = 40;
  const panels: string[] = [];
  for (const row of rows.filter((r) => r.variants.some((v) => v.summary.n > 0))) {
    const p = panel(row, y);
    panels.push(p.svg);
    y += p.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${PAD}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...panels,
    `<text x="${PAD}" y="${y + 10}" fill="#555">bar: median; line: min to max</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
