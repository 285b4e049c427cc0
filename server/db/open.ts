/**
 * Opens the SQLite database with the settings a single-writer event store needs and applies the
 * committed migrations. Returns the raw handle (for prepared statements on the hot path) and the
 * drizzle wrapper (for everything else).
 * @module
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { startCheckpointer } from "./checkpointer";
import * as schema from "./schema";

const require = createRequire(import.meta.url);

/** The drizzle database type used across the server. */
export type Db = BetterSQLite3Database<typeof schema>;

/** An open, migrated database. */
export interface Store {
  db: Db;
  sqlite: Database.Database;
  /** Closes the database (after a last checkpoint of its WAL). */
  close(): Promise<void>;
}

const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");

/** Raised when the database cannot be opened or migrated; carries a message fit for an operator. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/**
 * How SQLite syncs commits to disk. `full` (the default) fsyncs the WAL on every commit, so a batch
 * acknowledged to RabbitMQ survives an OS crash or power loss; `normal` fsyncs only at checkpoints
 * (still safe against a crash of parley itself) for operators who trade that risk for throughput.
 */
export type SyncMode = "full" | "normal";

/** Opens (creating if needed) and migrates the database at `path`. */
export function openStore(path: string, options: { sync?: SyncMode } = {}): Store {
  const sync = options.sync ?? "full";
  let sqlite: Database.Database;
  try {
    if (path !== ":memory:") {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    }
    sqlite = new Database(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma(`synchronous = ${sync === "full" ? "FULL" : "NORMAL"}`);
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
  } catch (cause) {
    throw new StoreOpenError(
      `cannot open database ${path}: ${(cause as Error).message} (check PARLEY_DB and that its directory is writable)`,
      { cause },
    );
  }
  const db = drizzle(sqlite, { schema });
  try {
    migrate(db, { migrationsFolder });
  } catch (cause) {
    sqlite.close();
    throw new StoreOpenError(`cannot migrate database ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (path === ":memory:") {
    return {
      db,
      sqlite,
      close: async () => {
        sqlite.close();
      },
    };
  }
  // Checkpoints happen on a worker thread, never inside a commit on the event loop.
  sqlite.pragma("wal_autocheckpoint = 0");
  const checkpointer = startCheckpointer(resolve(path), require.resolve("better-sqlite3"));
  return {
    db,
    sqlite,
    close: async () => {
      sqlite.close();
      await checkpointer.stop();
    },
  };
}
