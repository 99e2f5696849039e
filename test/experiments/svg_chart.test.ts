import assert from "node:assert/strict";
import { test } from "node:test";
import { type LineChart, lineChartSvg } from "../../experiments/svg_chart.ts";

type Element = { tag: string; attrs: Record<string, string> };

/** Every element of the SVG with its attributes (the writer puts each on one tag, no nesting tricks). */
function elements(svg: string): Element[] {
  return [...svg.matchAll(/<(\w+)((?:\s+[\w-]+="[^"]*")*)\s*\/?>/g)].map(([, tag, rest]) => ({
    tag,
    attrs: Object.fromEntries([...rest.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k, v])),
  }));
}
const ofClass = (svg: string, cls: string) => elements(svg).filter((e) => e.attrs.class === cls);
const num = (e: Element, name: string) => Number(e.attrs[name]);
const vertices = (polyline: Element) =>
  polyline.attrs.points.split(" ").map((pair) => pair.split(",").map(Number) as [number, number]);

/** Hopper's points are given out of order; its 700-label mean is exactly the reference (100). */
const chart: LineChart = {
  title: "A & B <test>",
  xLabel: "labels",
  yLabel: "% of true-reward PPO return",
  xTicks: [350, 700, 1400],
  yUnit: "%",
  reference: { y: 100, label: "true-reward PPO" },
  hollowLabel: "noisy teacher, 700",
  series: [
    {
      label: "Hopper",
      color: "#1f77b4",
      points: [
        { x: 1400, y: 150, min: 120, max: 180 },
        { x: 350, y: 50, min: 50, max: 150 },
        { x: 700, y: 100, min: 80, max: 120 },
      ],
      hollow: [{ x: 700, y: 60, min: 40, max: 90 }],
    },
    { label: "Walker2d", color: "#2ca02c", points: [{ x: 700, y: 120, min: 100, max: 150 }] },
  ],
};

test("a series' line joins its markers in order of x, evenly spaced on the log₂ axis", () => {
  const svg = lineChartSvg(chart);
  const [hopper] = ofClass(svg, "series");
  assert.equal(hopper.attrs["data-label"], "Hopper");
  const at = vertices(hopper);
  assert.equal(at.length, 3);
  assert.ok(at[0][0] < at[1][0] && at[1][0] < at[2][0], "x increases along the line");
  // 350 → 700 and 700 → 1400 are one doubling each.
  assert.ok(Math.abs(at[1][0] - at[0][0] - (at[2][0] - at[1][0])) < 0.2);
  // Values 50, 100, 150 in x order: higher values sit higher (smaller y), evenly.
  assert.ok(at[0][1] > at[1][1] && at[1][1] > at[2][1]);
  assert.ok(Math.abs(at[0][1] - at[1][1] - (at[1][1] - at[2][1])) < 0.2);
  const markers = ofClass(svg, "marker").slice(0, 3);
  assert.deepEqual(
    markers.map((m) => [num(m, "cx"), num(m, "cy")]),
    at,
    "each vertex is a marker",
  );
});

test("the reference line sits at the height of a point whose value is the reference", () => {
  const svg = lineChartSvg(chart);
  const [reference] = ofClass(svg, "reference");
  assert.equal(reference.attrs["stroke-dasharray"], "6 4");
  assert.equal(num(reference, "y1"), num(reference, "y2"));
  const hopper700 = vertices(ofClass(svg, "series")[0])[1];
  assert.equal(num(reference, "y1"), hopper700[1]);
});

test("each whisker spans its point's min to max, on the same scale as the markers", () => {
  const svg = lineChartSvg(chart);
  const at = vertices(ofClass(svg, "series")[0]);
  const [y50, y100, y150] = at.map(([, y]) => y);
  const whiskers = ofClass(svg, "whisker");
  // Hopper's 350 point: min 50 and max 150 are the heights of its 350 and 1,400 means.
  const w350 = whiskers.find((w) => num(w, "x1") === at[0][0])!;
  assert.equal(num(w350, "x2"), at[0][0]);
  assert.equal(num(w350, "y1"), y50);
  assert.equal(num(w350, "y2"), y150);
  // Walker2d's 700 point: its min (100) is the reference's height, its max (150) Hopper's 1,400.
  const [walker] = ofClass(svg, "series").slice(1);
  const [wx, wy] = vertices(walker)[0];
  const w700 = whiskers.find((w) => num(w, "x1") === wx)!;
  assert.equal(num(w700, "y1"), y100);
  assert.equal(num(w700, "y2"), y150);
  assert.ok(wy < y100 && wy > y150, "120 lies between 100 and 150");
});

test("hollow markers sit beside their series' point at the same x, in its colour, unfilled", () => {
  const svg = lineChartSvg(chart);
  const [hollow] = ofClass(svg, "hollow");
  assert.equal(hollow.attrs.stroke, "#1f77b4");
  assert.equal(hollow.attrs.fill, "white");
  const at = vertices(ofClass(svg, "series")[0]);
  const cx = num(hollow, "cx");
  // Nearer Hopper's 700 point than half the way to 350 or 1,400.
  assert.ok(Math.abs(cx - at[1][0]) < (at[1][0] - at[0][0]) / 4);
  // 60 lies between 50 and 100.
  assert.ok(num(hollow, "cy") < at[0][1] && num(hollow, "cy") > at[1][1]);
});

test("ticks, legend and titles are written and escaped", () => {
  const svg = lineChartSvg(chart);
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, t]) => t);
  assert.ok(texts.includes("A &amp; B &lt;test&gt;"));
  for (const label of ["Hopper", "Walker2d", "noisy teacher, 700", "true-reward PPO"]) {
    assert.ok(texts.includes(label), `legend has ${label}`);
  }
  assert.deepEqual(
    [...svg.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map(([, t]) => t),
    ["350", "700", "1,400"],
  );
  const yTicks = [...svg.matchAll(/class="ytick"[^>]*>([^<]*)</g)].map(([, t]) => t);
  assert.equal(yTicks[0], "0%");
  assert.ok(Number.parseFloat(yTicks.at(-1)!) >= 180, "the axis reaches the largest max");
});

test("without hollow points the legend leaves their entry out", () => {
  const svg = lineChartSvg({ ...chart, series: chart.series.map(({ hollow, ...s }) => s) });
  assert.equal(ofClass(svg, "hollow").length, 0);
  assert.ok(!svg.includes("noisy teacher, 700"));
});
