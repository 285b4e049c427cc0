/**
 * Server-wide values kept in the `settings` table: generated once, stable across restarts.
 * @module
 */
import { eq } from "drizzle-orm";
import { settings } from "../db/schema";
import type { Db } from "./store";

/** Returns the stored value for `key`, creating it with `make()` on first use. */
export function getOrCreateSetting(db: Db, key: string, make: () => string): string {
  const existing = db.select().from(settings).where(eq(settings.key, key)).get();
  if (existing) {
    return existing.value;
  }
  const value = make();
  db.insert(settings).values({ key, value }).onConflictDoNothing().run();
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? value;
}

/** Returns the stored value for `key`, if any. */
export function getSetting(db: Db, key: string): string | undefined {
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value;
}
