/**
 * Scheduled meetings (seed 002, ConnectyCube): create, list with filters, update (host only),
 * delete (host only). Each meeting owns a conference; its `record` flag starts and stops
 * recording; notifications and reminders go out as webhook events (parley sends no mail).
 * @module
 */
import { randomBytes } from "node:crypto";
import { and, eq, isNull, lte, sql } from "drizzle-orm";
import {
  type CreateMeetingBody,
  metricSeconds,
  type UpdateMeetingBody,
} from "../../protocol/meetings";
import type { Db } from "../db/open";
import { meetings } from "../db/schema";
import type { ConferenceService } from "./conferences";
import { DomainError } from "./errors";
import type { Fact } from "./facts";

export type MeetingRow = typeof meetings.$inferSelect;
type Attendee = { id?: number; email?: string };

/** A 24-hex id, the shape of ConnectyCube's ObjectIds. */
export function newObjectId(): string {
  return randomBytes(12).toString("hex");
}

/** Comparison operators of the listing filters (`start_date[gte]=…`). */
export type FilterOp = "eq" | "gt" | "gte" | "lt" | "lte";

export interface MeetingFilters {
  id?: string;
  limit: number;
  offset: number;
  scheduled?: boolean;
  /** Field → operator → bound; dates are Unix seconds (start/end) or ms (created/updated). */
  ranges: Array<{
    field: "start_date" | "end_date" | "created_at" | "updated_at";
    op: FilterOp;
    value: number;
  }>;
}

export interface MeetingService {
  create(accountId: string, hostId: string, body: CreateMeetingBody): Promise<MeetingRow>;
  list(accountId: string, userId: string, filters: MeetingFilters): MeetingRow[];
  /** A meeting the user may see: host, attendee, or public. */
  visible(accountId: string, userId: string, id: string): MeetingRow;
  update(
    accountId: string,
    userId: string,
    id: string,
    body: UpdateMeetingBody,
  ): Promise<MeetingRow>;
  remove(accountId: string, userId: string, id: string): void;
  /** The meeting owning a conference, if any. */
  byConference(conferenceId: string): MeetingRow | undefined;
  /** Sends due reminders (each once); returns how many went out. */
  sendDueReminders(): number;
  view(row: MeetingRow): Record<string, unknown>;
}

export interface MeetingDeps {
  db: Db;
  now: () => number;
  conferences: ConferenceService;
  /** `MEETING_URL_TEMPLATE`: `%s` becomes the meeting id. */
  urlTemplate: string | undefined;
  /** Publishes `record` start/stop to the media server; rejects when it cannot. */
  record(
    accountId: string,
    conferenceId: string,
    action: "start" | "stop",
    meetingId: string,
  ): Promise<void>;
  /** Stores webhook events; called inside the write's transaction. */
  publish(facts: Fact[]): void;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
}

const notFound = () => new DomainError("bad_identifier", { message: "Meeting not found" });
const hostOnly = (what: string) =>
  new DomainError("forbidden", { message: `Only the host can ${what} a meeting` });

function reminderAtOf(
  notify: boolean,
  startDate: number,
  notifyBefore: MeetingRow["notifyBefore"],
): number | null {
  if (!notify || !notifyBefore) {
    return null;
  }
  const seconds = metricSeconds[notifyBefore.metric as keyof typeof metricSeconds] ?? 0;
  return (startDate - notifyBefore.value * seconds) * 1000;
}

const sameAttendee = (a: Attendee, b: Attendee) =>
  (a.id !== undefined && a.id === b.id) ||
  (a.email !== undefined && a.id === undefined && a.email === b.email);

/** `row` with a partial update applied; `null` clears `notify_before` and `timezone`. */
function merged(row: MeetingRow, body: UpdateMeetingBody, at: number): MeetingRow {
  const next: MeetingRow = {
    ...row,
    name: body.name ?? row.name,
    startDate: body.start_date ?? row.startDate,
    endDate: body.end_date ?? row.endDate,
    attendees: body.attendees ?? row.attendees,
    record: body.record ?? row.record,
    chatDialogId: body.chat === true && !row.chatDialogId ? newObjectId() : row.chatDialogId,
    public: body.public ?? row.public,
    scheduled: body.scheduled ?? row.scheduled,
    notify: body.notify ?? row.notify,
    notifyBefore: body.notify_before === undefined ? row.notifyBefore : body.notify_before,
    timezone: body.timezone === undefined ? row.timezone : body.timezone,
    updatedAt: at,
  };
  next.reminderAt = reminderAtOf(next.notify, next.startDate, next.notifyBefore);
  if (next.reminderAt !== row.reminderAt) {
    next.reminderSentAt = null;
  }
  return next;
}

/**
 * Runs tasks with the same key one after another (others freely), for work that must await
 * something outside the database between its read and its write. A key is forgotten once idle.
 */
function serialPerKey() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) {
        tails.delete(key);
      }
    });
    return run;
  };
}

export function createMeetingService(deps: MeetingDeps): MeetingService {
  const { db, now } = deps;
  const live = (accountId: string) =>
    and(eq(meetings.accountId, accountId), isNull(meetings.deletedAt));
  const find = (accountId: string, id: string) =>
    db
      .select()
      .from(meetings)
      .where(and(eq(meetings.id, id), live(accountId)))
      .get();
  // Asked for every conference that ends: prepared once.
  const byConferenceQuery = db
    .select()
    .from(meetings)
    .where(
      and(eq(meetings.conferenceId, sql.placeholder("conferenceId")), isNull(meetings.deletedAt)),
    )
    .prepare();
  const isHost = (row: MeetingRow, userId: string) => row.hostId === userId;
  const isAttendee = (row: MeetingRow, userId: string) =>
    row.attendees.some((a) => String(a.id) === userId);

  const view = (row: MeetingRow): Record<string, unknown> => ({
    _id: row.id,
    name: row.name,
    start_date: row.startDate,
    end_date: row.endDate,
    attendees: row.attendees,
    record: row.record,
    chat_dialog_id: row.chatDialogId,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
    host_id: /^\d{1,15}$/.test(row.hostId) ? Number(row.hostId) : row.hostId,
    public: row.public,
    scheduled: row.scheduled,
    notify: row.notify,
    notify_before: row.notifyBefore,
    timezone: row.timezone,
    conference_id: row.conferenceId,
    url: deps.urlTemplate ? deps.urlTemplate.replaceAll("%s", row.id) : null,
  });

  const hostRecipient = (row: MeetingRow) => ({
    id: /^\d{1,15}$/.test(row.hostId) ? Number(row.hostId) : row.hostId,
    host: true,
  });

  const notice = (row: MeetingRow, reason: string, recipients: unknown[]): Fact => ({
    accountId: row.accountId,
    conferenceId: row.conferenceId,
    type: "meeting.notify",
    seq: null,
    occurredAt: now(),
    data: { event: "meeting.notify", reason, meeting: view(row), recipients },
    raw: null,
    extra: {},
  });

  /** A live meeting the user hosts: only the host may change or delete it. */
  const editable = (accountId: string, userId: string, id: string, what: string): MeetingRow => {
    const row = find(accountId, id);
    if (!row) {
      throw notFound();
    }
    if (!isHost(row, userId)) {
      throw hostOnly(what);
    }
    return row;
  };

  /** The `meeting.notify` events an update causes. */
  const changeNotices = (row: MeetingRow, next: MeetingRow, body: UpdateMeetingBody): Fact[] => {
    const facts: Fact[] = [];
    const everyone = [...next.attendees, hostRecipient(next)];
    if (next.notify && !row.notify) {
      facts.push(notice(next, "notify_enabled", everyone));
    }
    if (next.notify && next.startDate !== row.startDate) {
      facts.push(notice(next, "start_date_changed", everyone));
    }
    const added = next.attendees.filter((a) => !row.attendees.some((b) => sameAttendee(a, b)));
    if (next.notify && body.attendees && added.length > 0) {
      facts.push(notice(next, "attendees_added", added));
    }
    return facts;
  };

  const oneAtATime = serialPerKey();

  return {
    view,
    async create(accountId, hostId, body) {
      const at = now();
      const notify = body.notify ?? false;
      const notifyBefore = body.notify_before ?? null;
      return deps.transaction(() => {
        const conference = deps.conferences.create(accountId, { name: body.name.slice(0, 128) });
        const row: MeetingRow = {
          id: newObjectId(),
          accountId,
          conferenceId: conference.id,
          hostId,
          name: body.name,
          startDate: body.start_date,
          endDate: body.end_date,
          attendees: body.attendees,
          record: body.record ?? false,
          chatDialogId: body.chat ? newObjectId() : null,
          public: body.public ?? false,
          scheduled: body.scheduled ?? false,
          notify,
          notifyBefore,
          timezone: body.timezone ?? null,
          reminderAt: reminderAtOf(notify, body.start_date, notifyBefore),
          reminderSentAt: null,
          createdAt: at,
          updatedAt: at,
          deletedAt: null,
        };
        db.insert(meetings).values(row).run();
        if (notify) {
          deps.publish([notice(row, "created", [...row.attendees, hostRecipient(row)])]);
        }
        return row;
      });
    },
    list(accountId, userId, filters) {
      const rows = db.select().from(meetings).where(live(accountId)).all();
      const value = (row: MeetingRow, field: MeetingFilters["ranges"][number]["field"]) =>
        field === "start_date"
          ? row.startDate
          : field === "end_date"
            ? row.endDate
            : field === "created_at"
              ? row.createdAt
              : row.updatedAt;
      const test = (actual: number, op: FilterOp, bound: number) =>
        op === "eq"
          ? actual === bound
          : op === "gt"
            ? actual > bound
            : op === "gte"
              ? actual >= bound
              : op === "lt"
                ? actual < bound
                : actual <= bound;
      return rows
        .filter((row) =>
          filters.id
            ? row.id === filters.id &&
              (isHost(row, userId) || isAttendee(row, userId) || row.public)
            : isHost(row, userId) || isAttendee(row, userId),
        )
        .filter((row) => filters.scheduled === undefined || row.scheduled === filters.scheduled)
        .filter((row) => filters.ranges.every((r) => test(value(row, r.field), r.op, r.value)))
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
        .slice(filters.offset, filters.offset + filters.limit);
    },
    visible(accountId, userId, id) {
      const row = find(accountId, id);
      if (!row || !(isHost(row, userId) || isAttendee(row, userId) || row.public)) {
        throw notFound();
      }
      return row;
    },
    async update(accountId, userId, id, body) {
      // Read, merge and write in one synchronous transaction: no other write can land between.
      const write = () =>
        deps.transaction(() => {
          const row = editable(accountId, userId, id, "update");
          const next = merged(row, body, now());
          db.update(meetings).set(next).where(eq(meetings.id, id)).run();
          if (next.name !== row.name) {
            deps.conferences.patch(accountId, row.conferenceId, { name: next.name.slice(0, 128) });
          }
          deps.publish(changeNotices(row, next, body));
          return next;
        });
      if (body.record === undefined) {
        return write();
      }
      // The media server hears about recording first: if it cannot, nothing changes. Updates that
      // set `record` run one at a time per meeting, so the flag read here is the one that commits.
      return oneAtATime(id, async () => {
        const row = editable(accountId, userId, id, "update");
        if (body.record !== row.record) {
          await deps.record(accountId, row.conferenceId, body.record ? "start" : "stop", row.id);
        }
        return write();
      });
    },
    remove(accountId, userId, id) {
      deps.transaction(() => {
        const row = editable(accountId, userId, id, "delete");
        db.update(meetings).set({ deletedAt: now() }).where(eq(meetings.id, id)).run();
        if (deps.conferences.find(accountId, row.conferenceId)) {
          deps.conferences.remove(accountId, row.conferenceId);
        }
      });
    },
    byConference(conferenceId) {
      return byConferenceQuery.get({ conferenceId });
    },
    sendDueReminders() {
      const at = now();
      return deps.transaction(() => {
        const due = db
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
        for (const row of due) {
          db.update(meetings).set({ reminderSentAt: at }).where(eq(meetings.id, row.id)).run();
        }
        deps.publish(
          due.map((row) => ({
            accountId: row.accountId,
            conferenceId: row.conferenceId,
            type: "meeting.reminder" as const,
            seq: null,
            occurredAt: at,
            data: {
              event: "meeting.reminder",
              meeting: view(row),
              recipients: [...row.attendees, hostRecipient(row)],
              startsIn: Math.max(0, row.startDate - Math.floor(at / 1000)),
            },
            raw: null,
            extra: {},
          })),
        );
        return due.length;
      });
    },
  };
}
