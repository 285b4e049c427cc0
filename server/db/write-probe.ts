/**
 * Tells readiness whether the database still takes writes. A `SELECT 1` succeeds on a full disk,
 * a file system remounted read-only or a database another process keeps locked; only a committed
 * write proves parley can still make events durable. The probe is one small upsert, at most once
 * per interval (its answer is reused in between), waiting at most `busyTimeoutMs` for a lock so a
 * health check never stalls the event loop for long.
 * @module
 */
import type Database from "better-sqlite3";

/** The probe's latest answer. */
export type WriteHealth = { ok: true } | { ok: false; reason: string };

export interface WriteProbe {
  /** Writes (or reuses an answer younger than the interval) and says whether it committed. */
  check(): WriteHealth;
}

export function createWriteProbe(
  sqlite: Database.Database,
  options: { now: () => number; intervalMs?: number; busyTimeoutMs?: number },
): WriteProbe {
  const intervalMs = options.intervalMs ?? 1000;
  const busyTimeoutMs = options.busyTimeoutMs ?? 100;
  let last: { at: number; health: WriteHealth } | undefined;

  const write = (): WriteHealth => {
    const previousTimeout = sqlite.pragma("busy_timeout", { simple: true }) as number;
    try {
      sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
      sqlite
        .prepare(
          "INSERT INTO settings (key, value) VALUES ('write_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(options.now()));
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    } finally {
      try {
        sqlite.pragma(`busy_timeout = ${previousTimeout}`);
      } catch {
        // a closed database answers the next check
      }
    }
  };

  return {
    check() {
      const at = options.now();
      if (last && at - last.at < intervalMs && at >= last.at) {
        return last.health;
      }
      // Inside a caller's transaction the upsert would join it and prove nothing: reuse.
      if (sqlite.inTransaction && last) {
        return last.health;
      }
      last = { at, health: write() };
      return last.health;
    },
  };
}
