/**
 * A line chart as a standalone SVG string, for figures that experiments write next to their
 * tables: x on a log₂ scale (so 350, 700 and 1,400 are evenly spaced), one coloured line with
 * markers per series, a min–max whisker at each point, hollow markers for a second kind of point
 * in the series' colour, and a dashed horizontal reference line. No dependencies.
 */

/** One point: the mean over seeds (`y`) and their range. */
export type ChartPoint = { x: number; y: number; min: number; max: number };

export type ChartSeries = {
  label: string;
  color: string;
  /** Joined by a line, in order of x. */
  points: ChartPoint[];
  /** Drawn as hollow markers in the series' colour, not joined. */
  hollow?: ChartPoint[];
};

export type LineChart = {
  title: string;
  /** A smaller line under the title. */
  note?: string;
  xLabel: string;
  yLabel: string;
  /** The x ticks; the axis spans the first to the last, on a log₂ scale. */
  xTicks: number[];
  /** Appended to the y ticks' numbers ("%"). */
  yUnit?: string;
  series: ChartSeries[];
  /** Legend entry for the hollow markers. */
  hollowLabel?: string;
  /** A dashed horizontal line, named in the legend. */
  reference?: { y: number; label: string };
  width?: number;
  height?: number;
};

/** Pixels between the series at the same x, so that their whiskers do not hide each other. */
const DODGE = 6;
/** Pixels from a series' filled markers to its hollow ones at the same x. */
const HOLLOW_SHIFT = 16;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const px = (v: number) => Number(v.toFixed(1));

/** Ticks 1, 2, 2.5 or 5 × 10^k apart, about five of them, covering lo..hi. */
function niceTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5 || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t < hi + step - 1e-9; t += step) ticks.push(px(t));
  return ticks;
}

export function lineChartSvg(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 400;
  const legendWidth = 170;
  const box = {
    left: 64,
    right: width - legendWidth,
    top: chart.note ? 56 : 40,
    bottom: height - 50,
  };
  const allPoints = chart.series.flatMap((s) => [...s.points, ...(s.hollow ?? [])]);
  const ys = allPoints.flatMap((p) => [p.min, p.max, p.y]);
  if (chart.reference) ys.push(chart.reference.y);
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(1, ...ys));
  const [y0, y1] = [yTicks[0], yTicks.at(-1)!];
  const [lx0, lx1] = [Math.log2(chart.xTicks[0]), Math.log2(chart.xTicks.at(-1)!)];
  const pad = 0.1 * (box.right - box.left);
  const xOf = (x: number) =>
    box.left + pad + ((Math.log2(x) - lx0) / (lx1 - lx0 || 1)) * (box.right - box.left - 2 * pad);
  const yOf = (y: number) => box.bottom - ((y - y0) / (y1 - y0)) * (box.bottom - box.top);
  const unit = chart.yUnit ?? "";

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  if (chart.note) {
    out.push(
      `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">${esc(chart.note)}</text>`,
    );
  }
  for (const t of yTicks) {
    const y = px(yOf(t));
    out.push(
      `<line class="grid" x1="${box.left}" x2="${box.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text class="ytick" x="${box.left - 6}" y="${y + 4}" text-anchor="end">${t}${esc(unit)}</text>`,
    );
  }
  for (const t of chart.xTicks) {
    const x = px(xOf(t));
    out.push(
      `<line x1="${x}" x2="${x}" y1="${box.bottom}" y2="${box.bottom + 5}" stroke="#333"/>`,
      `<text class="xtick" x="${x}" y="${box.bottom + 18}" text-anchor="middle">${t.toLocaleString("en")}</text>`,
    );
  }
  out.push(
    `<polyline points="${box.left},${box.top} ${box.left},${box.bottom} ${box.right},${box.bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(box.left + box.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  );
  if (chart.reference) {
    const y = px(yOf(chart.reference.y));
    out.push(
      `<line class="reference" x1="${box.left}" x2="${box.right}" y1="${y}" y2="${y}" stroke="#333" stroke-dasharray="6 4"/>`,
    );
  }

  const whisker = (x: number, p: ChartPoint, color: string) =>
    `<line class="whisker" x1="${x}" x2="${x}" y1="${px(yOf(p.min))}" y2="${px(yOf(p.max))}" stroke="${color}" stroke-width="1.5"/>`;
  chart.series.forEach((s, i) => {
    const shift = (i - (chart.series.length - 1) / 2) * DODGE;
    const color = esc(s.color);
    const points = [...s.points].sort((a, b) => a.x - b.x);
    const at = points.map((p) => `${px(xOf(p.x) + shift)},${px(yOf(p.y))}`);
    out.push(
      `<polyline class="series" data-label="${esc(s.label)}" points="${at.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const p of points) {
      const x = px(xOf(p.x) + shift);
      out.push(
        whisker(x, p, color),
        `<circle class="marker" cx="${x}" cy="${px(yOf(p.y))}" r="4" fill="${color}"/>`,
      );
    }
    for (const p of s.hollow ?? []) {
      const x = px(xOf(p.x) + shift + HOLLOW_SHIFT);
      out.push(
        whisker(x, p, color),
        `<circle class="hollow" cx="${x}" cy="${px(yOf(p.y))}" r="4.5" fill="white" stroke="${color}" stroke-width="2"/>`,
      );
    }
  });

  // The legend, right of the plot: a line and marker per series, the hollow marker, the reference.
  const lx = box.right + 18;
  let ly = box.top + 8;
  for (const s of chart.series) {
    const color = esc(s.color);
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${lx + 12}" cy="${ly}" r="4" fill="${color}"/>`,
      `<text class="legend" x="${lx + 32}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
    ly += 20;
  }
  if (chart.hollowLabel && chart.series.some((s) => (s.hollow ?? []).length > 0)) {
    out.push(
      `<circle cx="${lx + 12}" cy="${ly}" r="4.5" fill="white" stroke="#555" stroke-width="2"/>`,
      `<text class="legend" x="${lx + 32}" y="${ly + 4}">${esc(chart.hollowLabel)}</text>`,
    );
    ly += 20;
  }
  if (chart.reference) {
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#333" stroke-dasharray="6 4"/>`,
      `<text class="legend" x="${lx + 32}" y="${ly + 4}">${esc(chart.reference.label)}</text>`,
    );
    ly += 20;
  }
  out.push(
    `<line x1="${lx + 12}" x2="${lx + 12}" y1="${ly - 7}" y2="${ly + 7}" stroke="#555" stroke-width="1.5"/>`,
    `<text class="legend" x="${lx + 32}" y="${ly + 4}">range over seeds</text>`,
  );
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
