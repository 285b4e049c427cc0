/**
 * The shape every benchmark scenario has, so the runner can measure parley and its baseline
 * alternately (parley, baseline, parley, baseline, …) and report each figure as a median with its
 * min–max: single runs on a shared 2-core machine swing too much to compare.
 */

/** The figures one run of one side measured, by key (e.g. `{ rate: 4914, p99: 12.5 }`). */
export type Sample = Record<string, number>;

/** Where a figure's value comes from: a side of the comparison and a key of its samples. */
export interface Source {
  side: string;
  key: string;
}

/** How one figure of a scenario is reported. */
export interface Figure {
  /** parley's value, e.g. `{ side: "parley:full", key: "rate" }`. */
  parley: Source;
  /** The baseline's value; omitted when the baseline has no such figure. */
  baseline?: Source;
  /** Text after `<scenario>: ` in the table. */
  label: string;
  unit: string;
  /** Times and sizes: the ratio is baseline ÷ parley so that above 1 is always "parley is better". */
  lowerIsBetter?: boolean;
  /**
   * `false` for counts and resource figures (deliveries, CPU, memory): a ratio there would read as
   * a performance comparison, so the table prints none.
   */
  ratio?: false;
  /** Human text of the goal, e.g. "≥ 0.75 × bare" or "≤ 10 ms"; empty when none. */
  target?: string;
  /** Whether the medians meet the target; omitted when there is no target. */
  met?: (parley: number, baseline: number | null, ratio: number | null) => boolean;
}

/** A scenario: one or more comparisons of parley against a baseline that does the same work. */
export interface Scenario {
  name: string;
  /** One line for `--help` and the README: what is measured. */
  describe: string;
  /**
   * Prepares what every run shares (generated events, a pre-built database…) and returns the
   * comparisons. Everything a run starts it stops before resolving.
   */
  prepare(quick: boolean): Promise<Comparison[]>;
}

/** parley and its baseline measured on the same work, run alternately by the runner. */
export interface Comparison {
  /**
   * The sides in the order one repetition runs them, e.g. `["parley:full", "parley:normal",
   * "bare"]`; the runner repeats the whole list (three times in a full run), so sides alternate.
   */
  sides: string[];
  run(side: string, repetition: number): Promise<Sample>;
  figures: Figure[];
  /** Frees what `prepare` made for this comparison (temp files, queues). */
  dispose?(): Promise<void>;
}

/** A figure measured on parley's side and the baseline's under the same sample key. */
export function compare(
  key: string,
  parleySide = "parley",
  baselineSide = "bare",
): Pick<Figure, "parley" | "baseline"> {
  return { parley: { side: parleySide, key }, baseline: { side: baselineSide, key } };
}
