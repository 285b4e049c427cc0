/**
 * Benchmark figures: percentiles, the printed table (figure, parley, baseline, ratio, target) and
 * `bench/results/latest.json` with the machine it was measured on.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { root } from "./process";

/** One row of the table. */
export interface Row {
  scenario: string;
  figure: string;
  unit: string;
  parley: number;
  baseline: number | null;
  /** parley ÷ baseline, or the inverse where lower is better (see `lowerIsBetter`). */
  ratio: number | null;
  /** Human text of the goal, e.g. "≥ 0.6 × bare" or "≤ 15 ms". */
  target: string;
  met: boolean | null;
  lowerIsBetter?: boolean;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function ratioOf(parley: number, baseline: number, lowerIsBetter = false): number {
  return lowerIsBetter ? baseline / parley : parley / baseline;
}

const fmt = (n: number | null, unit = "") => {
  if (n === null || Number.isNaN(n)) {
    return "–";
  }
  const text =
    Math.abs(n) >= 100
      ? Math.round(n).toLocaleString("en-US")
      : n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
  return unit ? `${text} ${unit}` : text;
};

export function printTable(rows: Row[], colour: boolean): void {
  const header = ["figure", "parley", "baseline", "ratio", "target", ""];
  const lines = rows.map((r) => [
    `${r.scenario}: ${r.figure}`,
    fmt(r.parley, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio === null ? "–" : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? "" : r.met ? "ok" : "MISSED",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(render(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const [i, line] of lines.entries()) {
    const missed = rows[i]?.met === false;
    const text = render(line);
    console.log(colour && missed ? `\u001b[31m${text}\u001b[0m` : text);
  }
}

export function writeResults(rows: Row[], quick: boolean, file = "latest.json"): string {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root }).toString().trim();
  } catch {
    // not a git checkout
  }
  const path = resolve(root, "bench/results", file);
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        quick,
        machine: {
          node: process.version,
          cpu: cpus()[0]?.model ?? "unknown",
          cores: cpus().length,
          platform: `${process.platform} ${process.arch}`,
        },
        commit,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  return path;
}
