/**
 * When reconciliation runs by itself: once parley is up, every time the broker link comes back
 * (events may have been lost meanwhile), and every `intervalMs` (0: never), so that a media
 * server that died without a word is noticed within one period.
 * @module
 */
import type { Logger } from "../logger";
import type { MediaSearch } from "./media-search";
import type { Reconciler } from "./reconcile";

export interface ReconcileSchedule {
  /** parley is up (simulator included): runs the start-up round. */
  started(): void;
  stop(): void;
}

export function startReconcileSchedule(deps: {
  reconciler: Reconciler;
  search: MediaSearch;
  intervalMs: number;
  logger: Logger;
  /** Whether this node runs the rounds (in a cluster, the holder of the reconcile lease). */
  shouldRun?: () => boolean;
}): ReconcileSchedule {
  const { reconciler, logger } = deps;
  let up = false;
  let startPending = false;
  const run = (trigger: string) => {
    if (deps.shouldRun && !deps.shouldRun()) {
      return;
    }
    reconciler.run({ kind: "all" }, trigger).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ trigger }, `reconciliation with the media servers did not run: ${message}`);
    });
  };
  // A connection made before `started` is covered by the start-up round; one made after it
  // runs the start-up round if the broker was not reachable yet, else a reconnect round.
  const unsubscribe = deps.search.onReady(() => {
    if (up) {
      run(startPending ? "start" : "reconnect");
      startPending = false;
    }
  });
  const timer =
    deps.intervalMs > 0
      ? setInterval(() => up && deps.search.ready() && run("periodic"), deps.intervalMs)
      : undefined;
  timer?.unref();
  return {
    started() {
      up = true;
      if (deps.search.ready()) {
        run("start");
      } else {
        startPending = true;
      }
    },
    stop() {
      up = false;
      unsubscribe();
      clearInterval(timer);
    },
  };
}
