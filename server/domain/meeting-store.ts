/**
 * The meeting store: every SQL statement over `meetings` and `meeting_users`. Listing filters,
 * sorts and pages in SQL: a user's meetings come from the `meeting_users_listing` index in
 * creation order, so a page costs its offset plus its length, not the account's size.
 * @module
 */
import {
  and,
  eq,
  exists,
  getTableColumns,
  gt,
  gte,
  isNull,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { meetings, meetingUsers } from "../db/schema";
import { type MeetingRow, userIdsOf } from "./meeting-rows";
import type { Db } from "./store";

/** Comparison operators of the listing filters (`start_date[gte]=…`). */
export type FilterOp = "eq" | "gt" | "gte" | "lt" | "lte";

/** A field the listing filters by, and the bound it is compared with. */
export interface RangeFilter {
  field: "start_date" | "end_date" | "created_at" | "updated_at";
  op: FilterOp;
  /** Unix seconds (start/end) or ms (created/updated), as the column holds it. */
  value: number;
}

/** `GET /meetings`'s query: one meeting by id, or a page of the caller's meetings. */
export interface MeetingFilters {
  id?: string;
  limit: number;
  offset: number;
  scheduled?: boolean;
  ranges: RangeFilter[];
}

const rangeColumns = {
  start_date: meetings.startDate,
  end_date: meetings.endDate,
  created_at: meetings.createdAt,
  updated_at: meetings.updatedAt,
} as const;
const compare = { eq, gt, gte, lt, lte } as const;

/** The `scheduled` and range filters as SQL conditions on `meetings`. */
function filterConditions(filters: MeetingFilters): SQL[] {
  const conditions = filters.ranges.map((range) =>
    compare[range.op](rangeColumns[range.field], range.value),
  );
  if (filters.scheduled !== undefined) {
    conditions.push(eq(meetings.scheduled, filters.scheduled));
  }
  return conditions;
}

/** Reads and writes meetings; the service runs the writes inside its transactions. */
export class MeetingStore {
  readonly #db: Db;
  /** Asked for every conference that ends: prepared once. */
  readonly #byConference;

  constructor(db: Db) {
    this.#db = db;
    this.#byConference = db
      .select()
      .from(meetings)
      .where(
        and(eq(meetings.conferenceId, sql.placeholder("conferenceId")), isNull(meetings.deletedAt)),
      )
      .prepare();
  }

  /** A live (not deleted) meeting of the account. */
  find(accountId: string, id: string): MeetingRow | undefined {
    return this.#db
      .select()
      .from(meetings)
      .where(and(eq(meetings.id, id), ...this.#live(accountId)))
      .get();
  }

  /** A live meeting the user may see: they host or attend it, or it is public. */
  findVisible(accountId: string, userId: string, id: string): MeetingRow | undefined {
    return this.#byId(accountId, userId, id, []).get();
  }

  /**
   * A page of the meetings the user hosts or attends, oldest first (ties by id); with
   * `filters.id`, that meeting if the user may see it (public ones included), filters applied.
   */
  list(accountId: string, userId: string, filters: MeetingFilters): MeetingRow[] {
    const conditions = filterConditions(filters);
    if (filters.id) {
      return this.#byId(accountId, userId, filters.id, conditions)
        .limit(filters.limit)
        .offset(filters.offset)
        .all();
    }
    return (
      this.#db
        .select(getTableColumns(meetings))
        .from(meetingUsers)
        // CROSS JOIN keeps meeting_users the outer loop whatever the statistics say: its index
        // yields the page in order, so SQLite stops after offset + limit matches.
        .crossJoin(meetings)
        .where(
          and(
            eq(meetings.id, meetingUsers.meetingId),
            eq(meetingUsers.accountId, accountId),
            eq(meetingUsers.userId, userId),
            ...this.#live(accountId),
            ...conditions,
          ),
        )
        .orderBy(meetingUsers.createdAt, meetingUsers.meetingId)
        .limit(filters.limit)
        .offset(filters.offset)
        .all()
    );
  }

  /** The live meeting owning a conference, if any. */
  byConference(conferenceId: string): MeetingRow | undefined {
    return this.#byConference.get({ conferenceId });
  }

  /** Stores a new meeting and who may list it. */
  insert(row: MeetingRow): void {
    this.#db.insert(meetings).values(row).run();
    this.#addUsers(row);
  }

  /** Writes every field of `next` over `previous`; who may list it follows its attendees. */
  save(previous: MeetingRow, next: MeetingRow): void {
    this.#db.update(meetings).set(next).where(eq(meetings.id, next.id)).run();
    if (JSON.stringify(userIdsOf(previous)) !== JSON.stringify(userIdsOf(next))) {
      this.#db.delete(meetingUsers).where(eq(meetingUsers.meetingId, next.id)).run();
      this.#addUsers(next);
    }
  }

  /** Deletes a meeting softly (its row stays for its recordings); nobody lists it any more. */
  markDeleted(id: string, at: number): void {
    this.#db.update(meetings).set({ deletedAt: at }).where(eq(meetings.id, id)).run();
    this.#db.delete(meetingUsers).where(eq(meetingUsers.meetingId, id)).run();
  }

  /** Live meetings whose reminder is due at `at` and has not gone out. */
  dueReminders(at: number): MeetingRow[] {
    return this.#db
      .select()
      .from(meetings)
      .where(
        and(
          isNull(meetings.reminderSentAt),
          lte(meetings.reminderAt, at),
          isNull(meetings.deletedAt),
        ),
      )
      .all();
  }

  /** Records that a meeting's reminder went out, so it goes out once. */
  markReminded(id: string, at: number): void {
    this.#db.update(meetings).set({ reminderSentAt: at }).where(eq(meetings.id, id)).run();
  }

  #live(accountId: string): SQL[] {
    return [eq(meetings.accountId, accountId), isNull(meetings.deletedAt)];
  }

  /** One live meeting by id, if the user may see it and it passes `conditions`. */
  #byId(accountId: string, userId: string, id: string, conditions: SQL[]) {
    const listsIt = this.#db
      .select({ one: sql`1` })
      .from(meetingUsers)
      .where(and(eq(meetingUsers.meetingId, meetings.id), eq(meetingUsers.userId, userId)));
    return this.#db
      .select()
      .from(meetings)
      .where(
        and(
          eq(meetings.id, id),
          ...this.#live(accountId),
          or(eq(meetings.public, true), exists(listsIt)),
          ...conditions,
        ),
      );
  }

  #addUsers(row: MeetingRow): void {
    const users = userIdsOf(row).map((userId) => ({
      meetingId: row.id,
      accountId: row.accountId,
      userId,
      createdAt: row.createdAt,
    }));
    this.#db.insert(meetingUsers).values(users).onConflictDoNothing().run();
  }
}
