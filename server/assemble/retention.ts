/**
 * The retention schedule: a batch at start-up and then every interval. While batches come back
 * full (a backlog), each next one waits a multiple of what the last took: 79 times while events
 * are being committed (pruning then takes at most an eightieth of the time, and ingest keeps its
 * pace), 3 times when ingest is quiet (the backlog goes quickly). A pause is never longer than a
 * few seconds, so one slow batch does not stall pruning.
 * @module
 */
import type { Config } from "../config";
import type { Store } from "../db/open";
import { Retention } from "../domain/retention";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { Lifecycle } from "./lifecycle";

/** A backlog's next batch waits this many times as long as the last one took: ingest busy, quiet. */
const PAUSE_FACTOR = { busy: 79, quiet: 3 };
/** The longest pause between a backlog's batches, ms. */
const MAX_PAUSE_MS = 3000;

/** Checks at most once a minute, and at least ten times per retention period. */
export function retentionInterval(config: Pick<Config, "eventRetentionMs" | "sessionRetentionMs">) {
  const shortest = Math.min(
    ...[config.eventRetentionMs, config.sessionRetentionMs].filter((ms) => ms > 0),
  );
  return Math.min(60_000, Math.max(1000, Math.floor(shortest / 10)));
}

export function startRetention(
  config: Config,
  deps: {
    store: Store;
    logger: Logger;
    metrics: Metrics;
    now: () => number;
    lifecycle: Lifecycle;
    /** Whether events are being committed now (pruning then yields more). */
    ingestBusy: () => boolean;
  },
): Retention {
  const retention = new Retention(deps.store.sqlite, {
    eventRetentionMs: config.eventRetentionMs,
    sessionRetentionMs: config.sessionRetentionMs,
  });
  deps.metrics.gauge({
    name: "parley_event_log_oldest_seq",
    help: "The oldest seq the event log keeps (resume_from and after_seq below it are refused)",
    read: () => retention.oldestSeq ?? retention.prunedThrough + 1,
  });
  if (config.eventRetentionMs === 0 && config.sessionRetentionMs === 0) {
    return retention;
  }
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    timer = undefined;
    if (stopped) {
      return;
    }
    let more = false;
    const started = performance.now();
    try {
      const result = retention.pruneBatch(deps.now());
      deps.metrics.prunedRows.inc({ table: "events" }, result.events);
      deps.metrics.prunedRows.inc({ table: "sessions" }, result.sessions);
      deps.metrics.prunedRows.inc({ table: "participants" }, result.participants);
      more = result.more;
    } catch (error) {
      // A busy or full store: the next interval tries again.
      deps.logger.warn({ err: error }, "retention batch failed");
    }
    if (more) {
      const factor = deps.ingestBusy() ? PAUSE_FACTOR.busy : PAUSE_FACTOR.quiet;
      const took = performance.now() - started;
      timer = setTimeout(run, Math.min(MAX_PAUSE_MS, Math.ceil(took * factor)));
      timer.unref();
    } else {
      timer = setTimeout(run, retentionInterval(config));
      timer.unref();
    }
  };
  timer = setTimeout(run, 0);
  timer.unref();
  deps.lifecycle.started("retention", () => {
    stopped = true;
    clearTimeout(timer);
  });
  return retention;
}
