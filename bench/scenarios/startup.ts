/**
 * startup: time from spawning parley (as `npm start` does) to `/readyz` 200 with a large event
 * log. Baseline: the same start on an empty database. The large database is built once; each run
 * starts on it (and on a fresh empty file) with its own broker topology.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { openStore } from "../../server/db/open";
import { startParley, tempDir } from "../lib/process";
import type { Scenario } from "../lib/scenario";
import { brokerEnv, dropTopology, topology } from "../lib/setup";

/** Spawn → `/readyz` 200 on `db`, ms; its own exchange and queue, dropped afterwards. */
async function timeToReady(db: string): Promise<number> {
  const names = topology();
  try {
    const started = performance.now();
    const parley = await startParley(brokerEnv(names, db));
    const elapsed = performance.now() - started;
    await parley.stop();
    return elapsed;
  } finally {
    await dropTopology(names);
  }
}

async function buildLog(path: string, rows: number): Promise<void> {
  const store = openStore(path);
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
}

/** Target: ready within a second with a million events in the log. */
export const startup: Scenario = {
  name: "startup",
  describe:
    "spawn → /readyz 200 with 1,000,000 rows in the event log vs the same start on an empty database",
  async prepare(quick) {
    const rows = quick ? 100_000 : 1_000_000;
    const dir = tempDir("startup");
    const full = `${dir}/full.db`;
    try {
      await buildLog(full, rows);
      // Warm the file cache and tsx's compile cache once, as a restarted service would find them.
      await timeToReady(`${dir}/warm.db`);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return [
      {
        sides: ["parley", "empty"],
        run: async (side, repetition) => ({
          ready: await timeToReady(side === "parley" ? full : `${dir}/empty-${repetition}.db`),
        }),
        figures: [
          {
            label: `spawn → /readyz 200, ${rows.toLocaleString("en-US")} logged events`,
            unit: "ms",
            parley: { side: "parley", key: "ready" },
            baseline: { side: "empty", key: "ready" },
            lowerIsBetter: true,
            target: "≤ 1 s",
            met: (p) => p <= 1000,
          },
        ],
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      },
    ];
  },
};
