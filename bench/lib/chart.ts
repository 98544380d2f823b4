/**
 * The report's chart, as SVG written by hand (no plotting package): one panel per row,
 * one horizontal bar per variant at its median, a whisker from min to max, the value
 * printed at the bar's end. Each panel has its own scale (Gbit/s and ms do not mix).
 * A row measured in paired rounds also gets a strip per ratio: one dot per round, the
 * median as a tick and the 95% interval as a band, on a scale centred on 1.0, which is
 * what a reader checks a claim against.
 */
import type { Row } from "./report-types.js";
import type { PairedRatio } from "./paired.js";

const W = 760, LABEL = 190, BAR = 18, GAP = 6, LINE = 16, PAD = 14, STRIP = 22;
/** Average width of a bold character at font-size 12 in a sans-serif face, with a margin. */
const CHAR_PX = 7.4;
const COLORS: Record<string, string> = { ovl: "#1f77b4", "ovl direct": "#2ca02c", "ovl VXLAN": "#1f77b4", LAN: "#7f7f7f", Swarm: "#ff7f0e", swarm: "#ff7f0e" };
const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Words of `text` laid in lines that fit `px` pixels (a word longer than a line gets its own). */
export function wrap(text: string, px: number, charPx = CHAR_PX): string[] {
  const max = Math.max(10, Math.floor(px / charPx));
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function ratioStrip(name: string, p: PairedRatio, y: number, span: number): string[] {
  const x = (v: number) => LABEL + ((W - LABEL - 90) * (Math.log(v) / Math.log(span) + 1)) / 2;
  const clamp = (v: number) => Math.min(span, Math.max(1 / span, v));
  const mid = y + STRIP / 2;
  const parts = [
    `<text x="${LABEL - 6}" y="${mid + 4}" text-anchor="end">${esc(name)}</text>`,
    `<line x1="${LABEL}" x2="${W - 90}" y1="${mid}" y2="${mid}" stroke="#ccc"/>`,
    `<line x1="${x(1).toFixed(1)}" x2="${x(1).toFixed(1)}" y1="${y}" y2="${y + STRIP}" stroke="#999" stroke-dasharray="3,2"/>`,
  ];
  if (Number.isFinite(p.lo) && Number.isFinite(p.hi)) {
    parts.push(`<rect x="${x(clamp(p.lo)).toFixed(1)}" y="${y + 4}" width="${Math.max(1, x(clamp(p.hi)) - x(clamp(p.lo))).toFixed(1)}" height="${STRIP - 8}" fill="#1f77b4" opacity="0.18"/>`);
  }
  for (const v of p.perRound) parts.push(`<circle cx="${x(clamp(v)).toFixed(1)}" cy="${mid}" r="3" fill="#1f77b4" opacity="0.7"/>`);
  if (Number.isFinite(p.median)) {
    parts.push(`<line x1="${x(clamp(p.median)).toFixed(1)}" x2="${x(clamp(p.median)).toFixed(1)}" y1="${y + 2}" y2="${y + STRIP - 2}" stroke="#000" stroke-width="2"/>`);
    parts.push(`<text x="${W - 84}" y="${mid + 4}">${p.median.toFixed(2)}x</text>`);
  }
  return parts;
}

function panel(row: Row, y0: number): { svg: string; height: number } {
  const vs = row.variants.filter((v) => v.summary.n > 0);
  const max = Math.max(...vs.map((v) => v.summary.max), 1e-9) * 1.15;
  const scale = (x: number) => LABEL + ((W - LABEL - 90) * x) / max;
  const titleLines = wrap(`${row.title} [${row.unit}]${row.higherIsBetter ? " (higher is better)" : " (lower is better)"}${row.busy ? " — machine busy" : ""}`, W - 2 * PAD);
  const parts = titleLines.map((l, i) => `<text x="${PAD}" y="${y0 + 16 + i * LINE}" font-weight="bold">${esc(l)}</text>`);
  const head = 10 + titleLines.length * LINE;
  vs.forEach((v, i) => {
    const y = y0 + head + i * (BAR + GAP);
    const s = v.summary;
    const color = COLORS[v.name] ?? "#2ca02c";
    parts.push(
      `<text x="${LABEL - 6}" y="${y + 13}" text-anchor="end">${esc(v.name)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(scale(s.median) - LABEL).toFixed(1)}" height="${BAR}" fill="${color}"/>`,
      `<line x1="${scale(s.min).toFixed(1)}" x2="${scale(s.max).toFixed(1)}" y1="${y + BAR / 2}" y2="${y + BAR / 2}" stroke="#000" stroke-width="1.5"/>`,
      `<text x="${(scale(s.max) + 6).toFixed(1)}" y="${y + 13}">${fmt(s.median)}</text>`,
    );
  });
  let y = y0 + head + vs.length * (BAR + GAP);
  const paired = Object.entries(row.paired ?? {}).filter(([, p]) => p.rounds > 0);
  if (paired.length) {
    const extreme = Math.max(1.25, ...paired.flatMap(([, p]) => p.perRound.map((v) => Math.max(v, 1 / v))));
    const span = Math.min(4, extreme * 1.05);
    parts.push(`<text x="${LABEL}" y="${y + 12}" fill="#555">per-round ratios (dots), median (tick), 95% interval (band); dashed: 1.0; scale ${(1 / span).toFixed(2)}x to ${span.toFixed(2)}x</text>`);
    y += LINE;
    for (const [name, p] of paired) {
      parts.push(...ratioStrip(name, p, y, span));
      y += STRIP;
    }
  }
  return { svg: parts.join("\n"), height: y - y0 + PAD };
}

export function chartSvg(title: string, rows: readonly Row[]): string {
  const titleLines = wrap(title, W - 2 * PAD, CHAR_PX * 1.25);
  let y = 20 + titleLines.length * 20;
  const panels: string[] = [];
  for (const row of rows.filter((r) => r.variants.some((v) => v.summary.n > 0))) {
    const p = panel(row, y);
    panels.push(p.svg);
    y += p.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...titleLines.map((l, i) => `<text x="${PAD}" y="${24 + i * 20}" font-size="15" font-weight="bold">${esc(l)}</text>`),
    ...panels,
    `<text x="${PAD}" y="${y + 10}" fill="#555">bar: median; line: min to max</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
