/**
 * `bench/results/*.json`: the rows of a run with where they were measured (commit, whether the
 * tree had uncommitted changes, machine, date, runs per side), and the markdown the README quotes,
 * rendered from such a file so the README's table is regenerated, never copied by hand.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { root } from "./process";
import { type Row, tableLines } from "./report";

/** What a results file holds. */
export interface Results {
  date: string;
  quick: boolean;
  /** Repetitions of each comparison's sides (the medians are over these). */
  runs: number;
  scenarios: string[];
  machine: { node: string; cpu: string; cores: number; platform: string };
  commit: string;
  /** Whether the working tree differed from `commit` (bench/results aside). */
  dirty: boolean;
  /** Scenarios that failed: their rows are missing. */
  failed: string[];
  rows: Row[];
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** Writes `bench/results/<file>` and returns its path. */
export function writeResults(
  file: string,
  run: { quick: boolean; runs: number; scenarios: string[]; failed: string[]; rows: Row[] },
): string {
  const status = git(["status", "--porcelain", "--", ".", ":(exclude)bench/results"]);
  const results: Results = {
    date: new Date().toISOString(),
    quick: run.quick,
    runs: run.runs,
    scenarios: run.scenarios,
    machine: {
      node: process.version,
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      platform: `${process.platform} ${process.arch}`,
    },
    commit: git(["rev-parse", "HEAD"]) ?? "unknown",
    dirty: status === undefined ? false : status.length > 0,
    failed: run.failed,
    rows: run.rows,
  };
  const dir = resolve(root, "bench/results");
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, file);
  // JSON has no NaN: a figure a run could not measure is written as null.
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** Reads a results file; nulls (unmeasured figures) come back as NaN. */
export function readResults(path: string): Results {
  const results = JSON.parse(readFileSync(path, "utf8")) as Results;
  if (typeof results.runs !== "number") {
    throw new Error(`${path} predates medians over runs: run \`npm run bench\` to rewrite it`);
  }
  const revive = (stat: Row["parley"] | null) => {
    if (!stat) {
      return;
    }
    for (const key of ["median", "min", "max"] as const) {
      stat[key] ??= Number.NaN;
    }
    stat.samples = stat.samples.map((v) => v ?? Number.NaN);
  };
  for (const row of results.rows) {
    revive(row.parley);
    revive(row.baseline);
  }
  return results;
}

/** The README's quote of a results file: one line saying where it was measured, then the table. */
export function markdownOf(results: Results, file: string): string {
  const platform = results.machine.platform.replace(/^linux/, "Linux");
  const commit = `${results.commit.slice(0, 7)}${results.dirty ? " with uncommitted changes" : ""}`;
  const runs = results.runs > 1 ? `medians of ${results.runs} runs (min–max)` : "one run";
  const failed = results.failed.length > 0 ? `; failed: ${results.failed.join(", ")}` : "";
  const lines = tableLines(results.rows, results.runs).map((l) => l.text);
  return [
    `\`${file}\`, commit ${commit}, ${results.date.slice(0, 10)}, ${runs}, Node ${results.machine.node}, ${results.machine.cpu}, ${results.machine.cores} cores, ${platform}${failed}:`,
    "",
    "```",
    ...lines,
    "```",
  ].join("\n");
}

export const TABLE_START = "<!-- bench:table -->";
export const TABLE_END = "<!-- /bench:table -->";

/**
 * Replaces what stands between `TABLE_START` and `TABLE_END` in `target` (a markdown file) with
 * `markdown`; throws when the markers are missing, so nothing is appended by mistake.
 */
export function replaceTable(target: string, markdown: string): void {
  const text = readFileSync(target, "utf8");
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`${target} has no ${TABLE_START} … ${TABLE_END} markers`);
  }
  writeFileSync(
    target,
    `${text.slice(0, start + TABLE_START.length)}\n${markdown}\n${text.slice(end)}`,
  );
}
