/**
 * startup: time from spawning parley (as `npm start` does) to `/readyz` 200 with a large event
 * log. Baseline: the same start on an empty database.
 */
import { randomBytes } from "node:crypto";
import { openStore } from "../../server/db/open";
import { startParley, tempDir } from "../lib/process";
import { type Row, ratioOf } from "../lib/report";

async function timeToReady(db: string): Promise<number> {
  const started = performance.now();
  const parley = await startParley({ PARLEY_DB: db });
  const elapsed = performance.now() - started;
  await parley.stop();
  return elapsed;
}

export async function startup(quick: boolean): Promise<Row[]> {
  const rows = quick ? 100_000 : 1_000_000;
  const dir = tempDir("startup");
  const full = `${dir}/full.db`;
  const store = openStore(full);
  const insert = store.sqlite.prepare(
    `INSERT INTO events (msg_id, digest, account_id, conference_id, call_id, name, routing_key, body, received_at)
     VALUES (?, ?, 'acc', ?, ?, 'start-talking', 'conference.event.x', '{"event":"start-talking"}', ?)`,
  );
  const salt = randomBytes(4).toString("hex");
  store.sqlite.transaction(() => {
    for (let i = 0; i < rows; i += 1) {
      insert.run(`m${salt}${i}`, `d${i}`, `conf${i % 1000}`, `call${i % 7}`, Date.now());
    }
  })();
  await store.close();

  // Warm the file cache and tsx's compile cache once, as a restarted service would find them.
  await timeToReady(`${dir}/warm.db`);
  const empty = await timeToReady(`${dir}/empty.db`);
  const loaded = await timeToReady(full);
  return [
    {
      scenario: "startup",
      figure: `spawn → /readyz 200, ${rows.toLocaleString("en-US")} logged events`,
      unit: "ms",
      parley: loaded,
      baseline: empty,
      ratio: ratioOf(loaded, empty, true),
      target: "≤ 1 s",
      met: loaded <= 1000,
      lowerIsBetter: true,
    },
  ];
}
