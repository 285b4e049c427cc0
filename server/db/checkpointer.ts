/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
 * commit crosses the threshold, so a busy ingest would stall for the copy and the fsync now and
 * then; instead a worker thread with its own connection checkpoints (PASSIVE: never blocking the
 * writer) every `intervalMs`.
 * @module
 */
import { Worker } from "node:worker_threads";

const source = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // the next round tries again
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage("stopped");
});
`;

export interface Checkpointer {
  /** Runs a last checkpoint and stops the worker. */
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, driver: string, intervalMs = 500): Checkpointer {
  const worker = new Worker(source, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((done) => {
        const timeout = setTimeout(() => {
          void worker.terminate().finally(done);
        }, 5000);
        worker.once("message", () => {
          clearTimeout(timeout);
          void worker.terminate().finally(done);
        });
        worker.once("error", () => done());
        worker.postMessage("stop");
      }),
  };
}
