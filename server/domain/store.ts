/**
 * The store port: what the domain needs of parley's SQLite connection, so domain code names no
 * driver. better-sqlite3's `Database` satisfies it structurally; the adapter is `server/db/open.ts`.
 * Statements are synchronous on purpose: a batch applies and commits in one turn of the event loop.
 * @module
 */

/** A prepared statement. */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

// biome-ignore lint/suspicious/noExplicitAny: a transaction wraps functions of any signature
type AnyFunction = (...params: any[]) => unknown;
type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** The connection: prepared statements and transactions (nested calls become savepoints). */
export interface SqlStore {
  prepare(source: string): SqlStatement;
  transaction<F extends AnyFunction>(fn: F): (...params: ArgumentsOf<F>) => ReturnType<F>;
  readonly inTransaction: boolean;
}

/** The typed query builder over the same connection (drizzle, parley's schema). */
export type { Db } from "../db/open";
