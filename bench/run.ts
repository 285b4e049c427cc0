/**
 * `npm run bench [-- <scenario>…] [--quick]`: runs the scenarios against parley started as
 * `npm start` starts it (real RabbitMQ, fresh SQLite files), each beside a raw baseline measured
 * in the same run, prints the table and writes bench/results/latest.json.
 */
import { parseArgs } from "node:util";
import { printTable, type Row, writeResults } from "./lib/report";
import { cluster } from "./scenarios/cluster";
import { fanout } from "./scenarios/fanout";
import { http } from "./scenarios/http";
import { ingest } from "./scenarios/ingest";
import { latency } from "./scenarios/latency";
import { startup } from "./scenarios/startup";
import { webhooks } from "./scenarios/webhooks";

const scenarios: Record<string, (quick: boolean) => Promise<Row[]>> = {
  ingest,
  latency,
  fanout,
  http,
  webhooks,
  startup,
  cluster,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: "boolean", default: false }, help: { type: "boolean" } },
});

if (values.help) {
  console.log(`usage: npm run bench -- [${Object.keys(scenarios).join("|")}]… [--quick]`);
  process.exit(0);
}

const chosen = positionals.length > 0 ? positionals : Object.keys(scenarios);
const unknown = chosen.filter((name) => !(name in scenarios));
if (unknown.length > 0) {
  console.error(
    `unknown scenario: ${unknown.join(", ")} (choose from ${Object.keys(scenarios).join(", ")})`,
  );
  process.exit(64);
}

const quick = values.quick ?? false;
const started = performance.now();
const rows: Row[] = [];
let failed = false;
for (const name of chosen) {
  const scenario = scenarios[name];
  if (!scenario) {
    continue;
  }
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}${quick ? " (quick)" : ""}…\n`);
  try {
    rows.push(...(await scenario(quick)));
  } catch (error) {
    failed = true;
    process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? error}\n`);
  }
  process.stderr.write(`bench: ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
console.log("");
printTable(rows, process.stdout.isTTY);
const file = writeResults(
  rows,
  quick,
  positionals.length > 0 || quick ? `${quick ? "quick" : "partial"}.json` : "latest.json",
);
console.log(
  `\n${rows.length} figures in ${((performance.now() - started) / 1000).toFixed(0)} s; written to ${file}`,
);
process.exit(failed ? 1 : 0);
