/**
 * Benchmark figures: percentiles of one run's measurements, the median and min–max of a figure
 * over the runs of a comparison, and the table (figure, parley, baseline, ratio, target) printed on
 * the terminal and quoted in the README.
 */
import type { Comparison, Figure, Sample, Source } from "./scenario";

/** A figure's value on one side over the runs: what the table prints and latest.json keeps. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order (NaN, a figure a run could not measure, is kept as null). */
  samples: number[];
}

/** One row of the table. */
export interface Row {
  scenario: string;
  figure: string;
  unit: string;
  parley: Stat;
  baseline: Stat | null;
  /** Which sides the row compares, e.g. `{ parley: "parley:full", baseline: "bare" }`. */
  sides: { parley: string; baseline?: string };
  /** Ratio of the medians: parley ÷ baseline, or the inverse where lower is better. */
  ratio: number | null;
  /** Human text of the goal, e.g. "≥ 0.75 × bare" or "≤ 10 ms". */
  target: string;
  met: boolean | null;
  lowerIsBetter?: boolean;
}

/** The `p`th percentile (nearest rank) of ascending `sorted` values; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** parley ÷ baseline, or baseline ÷ parley where lower is better: above 1 is parley better. */
export function ratioOf(parley: number, baseline: number, lowerIsBetter = false): number {
  return lowerIsBetter ? baseline / parley : parley / baseline;
}

/** Median (mean of the middle two for an even count), min and max; NaN values are ignored. */
export function statOf(values: number[]): Stat {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = finite.length >> 1;
  const median =
    finite.length === 0
      ? Number.NaN
      : finite.length % 2 === 1
        ? (finite[mid] ?? Number.NaN)
        : ((finite[mid - 1] ?? 0) + (finite[mid] ?? 0)) / 2;
  return {
    median,
    min: finite[0] ?? Number.NaN,
    max: finite.at(-1) ?? Number.NaN,
    samples: values,
  };
}

function statFor(source: Source, samples: Map<string, Sample[]>): Stat {
  return statOf((samples.get(source.side) ?? []).map((s) => s[source.key] ?? Number.NaN));
}

/** The rows of one comparison: each figure as medians (with min–max) over the runs of each side. */
export function summarise(
  scenario: string,
  comparison: Comparison,
  samples: Map<string, Sample[]>,
): Row[] {
  return comparison.figures.map((figure: Figure) => {
    const parley = statFor(figure.parley, samples);
    const baseline = figure.baseline ? statFor(figure.baseline, samples) : null;
    const ratio =
      baseline && figure.ratio !== false
        ? ratioOf(parley.median, baseline.median, figure.lowerIsBetter)
        : null;
    const finiteRatio = ratio !== null && Number.isFinite(ratio) ? ratio : null;
    return {
      scenario,
      figure: figure.label,
      unit: figure.unit,
      parley,
      baseline,
      sides: {
        parley: figure.parley.side,
        ...(figure.baseline ? { baseline: figure.baseline.side } : {}),
      },
      ratio: finiteRatio,
      target: figure.target ?? "",
      met: figure.met ? figure.met(parley.median, baseline?.median ?? null, finiteRatio) : null,
      ...(figure.lowerIsBetter ? { lowerIsBetter: true } : {}),
    };
  });
}

/** A number as the table prints it: thousands separated, whole numbers as such, else 3 digits. */
export function fmt(n: number | null | undefined, unit = ""): string {
  if (n === null || n === undefined || Number.isNaN(n)) {
    return "–";
  }
  const text =
    Math.abs(n) >= 100 || Number.isInteger(n)
      ? Math.round(n).toLocaleString("en-US")
      : n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
  return unit ? `${text} ${unit}` : text;
}

function cell(stat: Stat | null, unit: string, range: boolean): string {
  if (!stat) {
    return "–";
  }
  const median = fmt(stat.median, unit);
  // Counts that never varied (0 failed, every event delivered) read better without a range.
  return range && stat.samples.length > 1 && Number.isFinite(stat.min) && stat.min !== stat.max
    ? `${median} (${fmt(stat.min)}–${fmt(stat.max)})`
    : median;
}

/**
 * The table as text lines, columns padded. With more than one run each value is the median of the
 * runs with their min–max; with one run, the value alone.
 */
export function tableLines(rows: Row[], runs: number): Array<{ text: string; missed: boolean }> {
  const range = runs > 1;
  const header = [
    "figure",
    range ? "parley median (min–max)" : "parley",
    range ? "baseline median (min–max)" : "baseline",
    "ratio",
    "target",
    "",
  ];
  const lines = rows.map((r) => [
    `${r.scenario}: ${r.figure}`,
    cell(r.parley, r.unit, range),
    cell(r.baseline, r.unit, range),
    r.ratio === null ? "–" : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? "" : r.met ? "ok" : "MISSED",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    { text: render(header), missed: false },
    { text: widths.map((w) => "-".repeat(w)).join("  "), missed: false },
    ...lines.map((line, i) => ({ text: render(line), missed: rows[i]?.met === false })),
  ];
}

/** Prints the table; a missed target is red on a terminal. */
export function printTable(rows: Row[], runs: number, colour: boolean): void {
  for (const { text, missed } of tableLines(rows, runs)) {
    console.log(colour && missed ? `\u001b[31m${text}\u001b[0m` : text);
  }
}
