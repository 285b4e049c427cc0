/**
 * Snapshots: a consistent copy of a node's database, taken while it runs (SQLite's online backup),
 * holding its state and the log position that state stands at. A new node seeded from one reads
 * the log from that position on, instead of from the first entry, which the stream may no longer
 * hold once retention (`PARLEY_LOG_RETENTION`) trimmed it.
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";

/** Writes a snapshot of the database at `databasePath` to `target`; returns its log positions. */
export async function writeSnapshot(
  databasePath: string,
  target: string,
): Promise<Array<{ log: string; position: number }>> {
  if (!existsSync(databasePath)) {
    throw new Error(`there is no database at ${databasePath} (check PARLEY_DB)`);
  }
  const source = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target);
  } finally {
    source.close();
  }
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const rows = copy
      .prepare("SELECT key, value FROM settings WHERE key LIKE 'log_position%'")
      .all() as Array<{ key: string; value: string }>;
    return rows.map(({ key, value }) => ({
      log: key === "log_position" ? "in-process" : key.slice("log_position:".length),
      position: Number(value),
    }));
  } finally {
    copy.close();
  }
}

/**
 * Seeds a node's database from `snapshot` when it has none yet (a new node); an existing
 * database is never overwritten. Returns whether it seeded.
 */
export function seedFromSnapshot(databasePath: string, snapshot: string): boolean {
  if (databasePath === ":memory:") {
    throw new Error("PARLEY_SNAPSHOT needs a database file (PARLEY_DB), not :memory:");
  }
  if (existsSync(databasePath) && statSync(databasePath).size > 0) {
    return false;
  }
  if (!existsSync(snapshot)) {
    throw new Error(`the snapshot ${snapshot} does not exist (check PARLEY_SNAPSHOT)`);
  }
  // Leftovers of an earlier, empty database would be replayed over the copy.
  mkdirSync(dirname(resolve(databasePath)), { recursive: true });
  rmSync(`${databasePath}-wal`, { force: true });
  rmSync(`${databasePath}-shm`, { force: true });
  copyFileSync(snapshot, databasePath);
  return true;
}
