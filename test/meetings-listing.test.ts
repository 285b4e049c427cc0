import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { meetingModel } from "../protocol/meetings";
import { type Db, openStore, type Store } from "../server/db/open";
import * as schema from "../server/db/schema";
import { type MeetingRow, userIdsOf } from "../server/domain/meeting-rows";
import {
  type FilterOp,
  type MeetingFilters,
  MeetingStore,
  type RangeFilter,
} from "../server/domain/meeting-store";
import { apiClient, createAccount } from "./helpers/api";
import { createMeeting, meetingsClient, userToken } from "./helpers/meetings";
import { startServer } from "./helpers/server";

/**
 * `GET /meetings` runs in SQL: a page of a user's meetings is an index range scan in creation
 * order (checked on the query plan over 5,000 meetings), and every filter answers what the
 * former in-memory listing answered (checked against that listing, as an oracle, over a few
 * hundred generated meetings at a time).
 */

const ACCOUNTS = ["acct-a", "acct-b"];
const USERS = ["1", "2", "3", "4", "alice"];

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

/** A migrated in-memory database with the test accounts. */
function freshStore(): Store {
  const store = openStore(":memory:");
  stores.push(store);
  for (const id of ACCOUNTS) {
    store.db.insert(schema.accounts).values({ id, name: id, createdAt: 0 }).run();
  }
  return store;
}

/** Distinct 24-hex ids whose order is unrelated to creation order. */
const idOf = (i: number) => ((i * 2_654_435_761) % 2 ** 32).toString(16).padStart(24, "0");

function meetingRow(i: number, fields: Partial<MeetingRow>): MeetingRow {
  return {
    id: idOf(i),
    accountId: "acct-a",
    conferenceId: `conf-${i}`,
    hostId: "1",
    name: `m${i}`,
    startDate: 1_900_000_000,
    endDate: 1_900_003_600,
    attendees: [],
    record: false,
    chatDialogId: null,
    public: false,
    scheduled: false,
    notify: false,
    notifyBefore: null,
    timezone: null,
    reminderAt: null,
    reminderSentAt: null,
    createdAt: 1_700_000_000_000 + i,
    updatedAt: 1_700_000_000_000 + i,
    deletedAt: null,
    ...fields,
  };
}

/** The listing as it ran in memory before it moved to SQL: the definition of the answer. */
function oracle(
  rows: MeetingRow[],
  accountId: string,
  userId: string,
  filters: MeetingFilters,
): MeetingRow[] {
  const isHost = (row: MeetingRow) => row.hostId === userId;
  const isAttendee = (row: MeetingRow) => row.attendees.some((a) => String(a.id) === userId);
  const value = (row: MeetingRow, field: RangeFilter["field"]) =>
    ({
      start_date: row.startDate,
      end_date: row.endDate,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    })[field];
  const test = (actual: number, op: FilterOp, bound: number) =>
    ({
      eq: actual === bound,
      gt: actual > bound,
      gte: actual >= bound,
      lt: actual < bound,
      lte: actual <= bound,
    })[op];
  return rows
    .filter((row) => row.accountId === accountId && row.deletedAt === null)
    .filter((row) =>
      filters.id
        ? row.id === filters.id && (isHost(row) || isAttendee(row) || row.public)
        : isHost(row) || isAttendee(row),
    )
    .filter((row) => filters.scheduled === undefined || row.scheduled === filters.scheduled)
    .filter((row) => filters.ranges.every((r) => test(value(row, r.field), r.op, r.value)))
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
    .slice(filters.offset, filters.offset + filters.limit);
}

/** Field values from small ranges, so that equal values, ties and bounds all occur. */
const meetingArb = fc.record({
  accountId: fc.constantFrom(...ACCOUNTS),
  hostId: fc.constantFrom(...USERS),
  attendees: fc.array(
    fc.oneof(
      fc.record({ id: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ id: fc.integer({ min: 1, max: 5 }), email: fc.constant("a@example.com") }),
      fc.record({ email: fc.constantFrom("alice", "1", "b@example.com") }),
    ),
    { maxLength: 4 },
  ),
  public: fc.boolean(),
  scheduled: fc.boolean(),
  startDate: fc.integer({ min: 1000, max: 1010 }),
  length: fc.integer({ min: 0, max: 5 }),
  createdAt: fc.integer({ min: 0, max: 40 }),
  updatedBy: fc.integer({ min: 0, max: 20 }),
  deleted: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
  /** Stored first with these attendees, then updated to the ones above. */
  earlierAttendees: fc.option(fc.array(fc.record({ id: fc.integer({ min: 1, max: 5 }) })), {
    nil: undefined,
  }),
});

const rangeArb: fc.Arbitrary<RangeFilter> = fc.oneof(
  fc.record({
    field: fc.constantFrom("start_date" as const, "end_date" as const),
    op: fc.constantFrom<FilterOp>("eq", "gt", "gte", "lt", "lte"),
    value: fc.integer({ min: 998, max: 1016 }),
  }),
  fc.record({
    field: fc.constantFrom("created_at" as const, "updated_at" as const),
    op: fc.constantFrom<FilterOp>("eq", "gt", "gte", "lt", "lte"),
    value: fc.integer({ min: -1, max: 62 }),
  }),
);

const queryArb = fc.record({
  accountId: fc.constantFrom(...ACCOUNTS),
  userId: fc.constantFrom(...USERS, "9"),
  /** An index into the generated meetings (or past them: an unknown id). */
  idIndex: fc.option(fc.nat({ max: 320 }), { nil: undefined, freq: 2 }),
  limit: fc.oneof(fc.constant(100), fc.integer({ min: 0, max: 12 })),
  offset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
  scheduled: fc.option(fc.boolean(), { nil: undefined }),
  ranges: fc.array(rangeArb, { maxLength: 3 }),
});

describe("meeting listing in SQL", () => {
  it("answers every filter, page and visibility rule as the in-memory listing did", () => {
    fc.assert(
      fc.property(
        fc.array(meetingArb, { minLength: 200, maxLength: 300 }),
        fc.array(queryArb, { minLength: 40, maxLength: 40 }),
        (generated, queries) => {
          const store = freshStore();
          const meetings = new MeetingStore(store.db);
          const rows = generated.map((g, i) =>
            meetingRow(i, {
              accountId: g.accountId,
              hostId: g.hostId,
              attendees: g.attendees,
              public: g.public,
              scheduled: g.scheduled,
              startDate: g.startDate,
              endDate: g.startDate + g.length,
              createdAt: g.createdAt,
              updatedAt: g.createdAt + g.updatedBy,
              deletedAt: g.deleted ? 99 : null,
            }),
          );
          store.sqlite.transaction(() => {
            rows.forEach((row, i) => {
              const live = { ...row, deletedAt: null };
              const earlier = generated[i]?.earlierAttendees;
              if (earlier) {
                const first = { ...live, attendees: earlier, updatedAt: row.createdAt };
                meetings.insert(first);
                meetings.save(first, live);
              } else {
                meetings.insert(live);
              }
              if (row.deletedAt !== null) {
                meetings.markDeleted(row.id, row.deletedAt);
              }
            });
          })();
          for (const q of queries) {
            const filters: MeetingFilters = {
              limit: q.limit,
              offset: q.offset,
              ranges: q.ranges,
              ...(q.scheduled === undefined ? {} : { scheduled: q.scheduled }),
              ...(q.idIndex === undefined ? {} : { id: idOf(q.idIndex) }),
            };
            const expected = oracle(rows, q.accountId, q.userId, filters).map((r) => r.id);
            const actual = meetings.list(q.accountId, q.userId, filters).map((r) => r.id);
            expect(actual, JSON.stringify(q)).toEqual(expected);
          }
        },
      ),
      // Shrinking hundreds of meetings takes minutes; the failing query is in the message.
      { numRuns: 15, endOnFailure: true },
    );
  });

  it("returns each listed meeting exactly as stored", () => {
    const store = freshStore();
    const meetings = new MeetingStore(store.db);
    const row = meetingRow(1, {
      attendees: [{ id: 2, email: "b@example.com" }, { email: "c@example.com" }],
      notifyBefore: { metric: "hours", value: 1 },
      timezone: { offset: 120, name: "Europe/Riga" },
      notify: true,
      public: true,
      scheduled: true,
      record: true,
      chatDialogId: idOf(99),
      reminderAt: 5,
    });
    meetings.insert(row);
    expect(meetings.list("acct-a", "2", { limit: 100, offset: 0, ranges: [] })).toEqual([row]);
    expect(meetings.list("acct-a", "9", { id: row.id, limit: 100, offset: 0, ranges: [] })).toEqual(
      [row],
    );
    expect(meetings.findVisible("acct-a", "9", row.id)).toEqual(row);
  });
});

/** Every statement drizzle sends, with its parameters. */
function recordingDb(sqlite: Database.Database): { db: Db; queries: Array<[string, unknown[]]> } {
  const queries: Array<[string, unknown[]]> = [];
  const db = drizzle(sqlite, {
    schema,
    logger: { logQuery: (query, params) => queries.push([query, params]) },
  });
  return { db, queries };
}

describe("meeting listing cost", () => {
  it("answers a page of 10 out of 5,000 meetings from the index, in order, without a sort", () => {
    const store = freshStore();
    const { db, queries } = recordingDb(store.sqlite);
    const meetings = new MeetingStore(db);
    store.sqlite.transaction(() => {
      for (let i = 0; i < 5000; i++) {
        meetings.insert(meetingRow(i, { attendees: [{ id: 2 }], scheduled: i % 2 === 0 }));
      }
    })();
    // With statistics, as after a `PRAGMA optimize`, the plan must not change either.
    store.sqlite.exec("ANALYZE");
    const plan = (filters: MeetingFilters, userId = "1") => {
      queries.length = 0;
      const page = meetings.list("acct-a", userId, filters);
      const [query, params] = queries.at(-1) ?? ["", []];
      const steps = store.sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as Array<{
        detail: string;
      }>;
      return { page, steps: steps.map((step) => step.detail) };
    };

    for (const userId of ["1", "2"]) {
      const { page, steps } = plan(
        {
          limit: 10,
          offset: 20,
          scheduled: true,
          ranges: [{ field: "start_date", op: "gte", value: 0 }],
        },
        userId,
      );
      expect(page.map((row) => row.name)).toEqual(
        Array.from({ length: 10 }, (_, i) => `m${40 + 2 * i}`),
      );
      // The outer loop walks the user's index entries in creation order and stops after the
      // page: no scan of meetings, no temporary sort over every match.
      expect(steps[0]).toMatch(
        /^SEARCH meeting_users USING (COVERING )?INDEX meeting_users_listing \(account_id=\? AND user_id=\?\)$/,
      );
      expect(steps.slice(1)).toEqual([
        expect.stringMatching(
          /^SEARCH meetings USING INDEX sqlite_autoindex_meetings_1 \(id=\?\)$/,
        ),
      ]);
      expect(steps.join("\n")).not.toMatch(/TEMP B-TREE|SCAN/);
    }

    const one = plan({ id: idOf(4321), limit: 100, offset: 0, ranges: [] }, "7");
    expect(one.page).toEqual([]);
    expect(one.steps.join("\n")).not.toMatch(/SCAN|TEMP B-TREE/);
  });
});

describe("meeting_users backfill", () => {
  const migrations = join(import.meta.dirname, "..", "migrations");
  let dir = "";
  afterEach(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists the meetings stored before the migration for their hosts and attendees", () => {
    // Migrate up to the migration before meeting_users, store meetings, then migrate the rest.
    dir = mkdtempSync(join(tmpdir(), "parley-migrations-"));
    cpSync(migrations, dir, { recursive: true });
    const journalPath = join(dir, "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
      entries: Array<{ tag: string }>;
    };
    const cut = journal.entries.findIndex((entry) => entry.tag.endsWith("_meeting_users"));
    expect(cut).toBeGreaterThan(0);
    writeFileSync(
      journalPath,
      JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }),
    );

    const sqlite = new Database(":memory:");
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: dir });
    db.insert(schema.accounts).values({ id: "acct-a", name: "a", createdAt: 0 }).run();
    const rows = [
      meetingRow(1, {
        hostId: "811",
        attendees: [{ id: 245, email: "e" }, { id: 343 }, { email: "x" }],
      }),
      meetingRow(2, { hostId: "alice", attendees: [{ id: 7 }, { id: 7 }] }),
      meetingRow(3, { hostId: "245", attendees: [{ id: 245 }], public: true }),
      meetingRow(4, { hostId: "811", attendees: [{ id: 245 }], deletedAt: 5 }),
    ];
    db.insert(schema.meetings).values(rows).run();
    migrate(db, { migrationsFolder: migrations });

    const meetings = new MeetingStore(db);
    const all = { limit: 100, offset: 0, ranges: [] };
    for (const userId of ["811", "245", "343", "alice", "7", "x", "e"]) {
      expect(meetings.list("acct-a", userId, all), userId).toEqual(
        oracle(rows, "acct-a", userId, all),
      );
    }
    const indexed = sqlite
      .prepare("SELECT meeting_id, user_id FROM meeting_users ORDER BY meeting_id, user_id")
      .all();
    const expected = rows
      .filter((row) => row.deletedAt === null)
      .flatMap((row) => userIdsOf(row).map((user_id) => ({ meeting_id: row.id, user_id })))
      .sort((a, b) => a.meeting_id.localeCompare(b.meeting_id) || (a.user_id < b.user_id ? -1 : 1));
    expect(indexed).toEqual(expected);
    sqlite.close();
  });
});

describe("who lists a meeting, through the API", () => {
  it("follows the attendees through updates, and nobody lists a deleted meeting", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api);
    const meetings = meetingsClient(api);
    const host = await userToken(api, account, 811);
    const first = await userToken(api, account, 245);
    const second = await userToken(api, account, 343);
    const listed = async (token: string) =>
      ((await meetings.get("/meetings", token)).body as Array<{ name: string }>).map((m) => m.name);
    const meeting = await createMeeting(meetings, host, { name: "M", attendees: [{ id: 245 }] });
    // The answer is exactly the declared meeting model: no key missing, none extra.
    expect(meetingModel.strict().parse(meeting)).toEqual(meeting);
    expect([await listed(host), await listed(first), await listed(second)]).toEqual([
      ["M"],
      ["M"],
      [],
    ]);

    const path = `/meetings/${meeting._id}`;
    expect((await meetings.put(path, host, { attendees: [{ id: 343 }, { id: 811 }] })).status).toBe(
      200,
    );
    expect([await listed(host), await listed(first), await listed(second)]).toEqual([
      ["M"],
      [],
      ["M"],
    ]);
    // An update that leaves the attendees alone leaves who lists it alone.
    expect((await meetings.put(path, host, { name: "N" })).status).toBe(200);
    expect([await listed(host), await listed(second)]).toEqual([["N"], ["N"]]);

    expect((await meetings.delete(path, host)).status).toBe(200);
    expect([await listed(host), await listed(first), await listed(second)]).toEqual([[], [], []]);
  });
});
