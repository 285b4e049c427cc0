/**
 * `npm run bench [-- <scenario>…] [--quick] [--runs N]`: runs the scenarios against parley started
 * as `npm start` starts it (real RabbitMQ, fresh SQLite files), each beside a baseline doing the same
 * work. Each comparison's sides run alternately, N times (parley, baseline, parley, baseline, …),
 * so a slow minute of the shared machine hits both; each figure is the median of its runs with the
 * min–max. Prints the table and writes bench/results/latest.json (full run of every scenario),
 * quick.json or partial.json.
 *
 * `npm run bench:table [-- --into FILE]` (`--markdown`) renders bench/results/latest.json as the
 * README quotes it, instead of running anything.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/process";
import { printTable, type Row, summarise } from "./lib/report";
import { markdownOf, readResults, replaceTable, writeResults } from "./lib/results";
import type { Comparison, Sample, Scenario } from "./lib/scenario";
import { cluster } from "./scenarios/cluster";
import { fanout } from "./scenarios/fanout";
import { history } from "./scenarios/history";
import { http } from "./scenarios/http";
import { ingest } from "./scenarios/ingest";
import { latency } from "./scenarios/latency";
import { retention } from "./scenarios/retention";
import { startup } from "./scenarios/startup";
import { webhookBurst } from "./scenarios/webhook-burst";
import { webhooks } from "./scenarios/webhooks";

const scenarios: Scenario[] = [
  ingest,
  latency,
  fanout,
  http,
  history,
  webhooks,
  webhookBurst,
  startup,
  retention,
  cluster,
];
const byName = new Map(scenarios.map((s) => [s.name, s]));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    markdown: { type: "boolean", default: false },
    file: { type: "string", default: "bench/results/latest.json" },
    into: { type: "string" },
    help: { type: "boolean" },
  },
});

if (values.help) {
  const width = Math.max(...scenarios.map((s) => s.name.length));
  console.log(`usage: npm run bench -- [scenario…] [--quick] [--runs N]
       npm run bench:table -- [--file bench/results/latest.json] [--into FILE]

  --quick       small sizes, one run per side (CI)
  --runs N      repetitions of each comparison's sides (default 3, 1 with --quick)
  --markdown    print --file as the README quotes it (what bench:table does), run nothing
  --into FILE   with --markdown: replace the table between <!-- bench:table --> and
                <!-- /bench:table --> in FILE instead of printing it

scenarios (in the order they run):
${scenarios.map((s) => `  ${s.name.padEnd(width)}  ${s.describe}`).join("\n")}`);
  process.exit(0);
}

if (values.markdown) {
  const file = values.file ?? "bench/results/latest.json";
  try {
    const markdown = markdownOf(readResults(resolve(root, file)), file);
    if (values.into) {
      replaceTable(resolve(root, values.into), markdown);
      console.log(`table of ${file} written into ${values.into}`);
    } else {
      console.log(markdown);
    }
  } catch (error) {
    console.error(`bench:table: ${(error as Error).message}`);
    process.exit(1);
  }
  process.exit(0);
}

const unknown = positionals.filter((name) => !byName.has(name));
if (unknown.length > 0) {
  console.error(
    `unknown scenario: ${unknown.join(", ")} (choose from ${[...byName.keys()].join(", ")})`,
  );
  process.exit(64);
}
const quick = values.quick ?? false;
const runs = values.runs === undefined ? (quick ? 1 : 3) : Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, not ${values.runs}`);
  process.exit(64);
}
// Named scenarios run in the table's order, whatever order they were given in.
const chosen = scenarios.filter((s) => positionals.length === 0 || positionals.includes(s.name));

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs the comparison's sides `runs` times in turn and summarises them; always disposes. */
async function measure(scenario: string, comparison: Comparison): Promise<Row[]> {
  const samples = new Map<string, Sample[]>(comparison.sides.map((side) => [side, []]));
  try {
    for (let repetition = 0; repetition < runs; repetition += 1) {
      for (const side of comparison.sides) {
        const t0 = performance.now();
        const sample = await comparison.run(side, repetition);
        samples.get(side)?.push(sample);
        log(`${scenario} ${side} run ${repetition + 1}/${runs}: ${seconds(t0)}`);
      }
    }
  } finally {
    await comparison.dispose?.().catch((error: unknown) => log(`${scenario} dispose: ${error}`));
  }
  return summarise(scenario, comparison, samples);
}

const started = performance.now();
const rows: Row[] = [];
const failed: string[] = [];
for (const scenario of chosen) {
  const t0 = performance.now();
  log(`${scenario.name}${quick ? " (quick)" : ""}, ${runs} run${runs > 1 ? "s" : ""}…`);
  let comparisons: Comparison[] = [];
  try {
    comparisons = await scenario.prepare(quick);
    for (const [i, comparison] of comparisons.entries()) {
      try {
        rows.push(...(await measure(scenario.name, comparison)));
      } catch (error) {
        // The comparisons not yet measured still hold what prepare made for them.
        for (const rest of comparisons.slice(i + 1)) {
          await rest.dispose?.().catch(() => {});
        }
        throw error;
      }
    }
  } catch (error) {
    failed.push(scenario.name);
    log(`${scenario.name} failed: ${(error as Error).stack ?? error}`);
  }
  log(`${scenario.name} took ${seconds(t0)}`);
}
console.log("");
printTable(rows, runs, process.stdout.isTTY);
const all = positionals.length === 0;
const file = quick ? "quick.json" : all ? "latest.json" : "partial.json";
const path = writeResults(file, {
  quick,
  runs,
  scenarios: chosen.map((s) => s.name),
  failed,
  rows,
});
console.log(
  `\n${rows.length} figures, ${runs} run${runs > 1 ? "s" : ""} per side, in ${seconds(started)}; written to ${path}`,
);
if (failed.length > 0) {
  console.log(`failed: ${failed.join(", ")}`);
}
process.exit(failed.length > 0 ? 1 : 0);
