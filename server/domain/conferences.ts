/**
 * Stored conference documents: create, replace, merge, soft-delete, with Kazoo's validation
 * (schema first, then dial-in numbers unique across the account).
 * @module
 */
import { createHash } from "node:crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import {
  type ConferenceDocument,
  conferenceDocument,
  isPrivateKey,
} from "../../protocol/conference";
import { toValidationErrors } from "../../protocol/validation";
import { conferences } from "../db/schema";
import { badIdentifier, validationFailed } from "./errors";
import { type Entropy, newId } from "./ids";
import { deepMerge, isPlainObject } from "./merge";
import type { Db } from "./store";

/** A stored conference document as the API returns it. */
export interface StoredConference {
  id: string;
  accountId: string;
  /** Public fields plus `id`. */
  doc: Record<string, unknown>;
  /** CouchDB-style revision, `<n>-<md5 of the document>`. */
  revision: string;
}

/** CRUD over conference documents, scoped to one account at a time. */
export interface ConferenceService {
  list(accountId: string): StoredConference[];
  find(accountId: string, id: string): StoredConference | undefined;
  create(accountId: string, data: unknown): StoredConference;
  replace(accountId: string, id: string, data: unknown): StoredConference;
  patch(accountId: string, id: string, data: unknown): StoredConference;
  remove(accountId: string, id: string): StoredConference;
  /** The account owning a stored (not deleted) conference, if any. */
  ownerOf(id: string): string | undefined;
  /** When a stored conference was created (Unix ms). */
  createdAt(id: string): number | null;
}

type Row = typeof conferences.$inferSelect;

function revisionOf(revision: number, doc: Record<string, unknown>): string {
  return `${revision}-${createHash("md5").update(JSON.stringify(doc)).digest("hex")}`;
}

/**
 * Revisions already computed, by document version: every ingested event and every read finds
 * its conference, and hashing the document each time cost more than reading it.
 */
const MAX_KNOWN_REVISIONS = 10_000;

function toStored(row: Row, known?: Map<string, string>): StoredConference {
  const version = `${row.id}\u0000${row.revision}\u0000${row.updatedAt}`;
  let revision = known?.get(version);
  if (revision === undefined) {
    revision = revisionOf(row.revision, row.doc);
    if (known) {
      if (known.size >= MAX_KNOWN_REVISIONS) {
        known.clear();
      }
      known.set(version, revision);
    }
  }
  return { id: row.id, accountId: row.accountId, doc: { ...row.doc, id: row.id }, revision };
}

/** Drops the keys a client may not write (`_*`, `pvt_*`, `id`) before validation. */
function publicFields(data: unknown): unknown {
  if (!isPlainObject(data)) {
    return data;
  }
  return Object.fromEntries(
    Object.entries(data).filter(([key]) => !isPrivateKey(key) && key !== "id"),
  );
}

function validate(data: unknown): ConferenceDocument {
  const parsed = conferenceDocument.safeParse(publicFields(data), { reportInput: true });
  if (!parsed.success) {
    throw validationFailed(toValidationErrors(parsed.error));
  }
  return parsed.data;
}

function numbersOf(doc: Record<string, unknown>): string[] {
  const lists = [
    doc.conference_numbers,
    (doc.member as Record<string, unknown> | undefined)?.numbers,
    (doc.moderator as Record<string, unknown> | undefined)?.numbers,
  ];
  return lists.flatMap((list) => (Array.isArray(list) ? list.map(String) : []));
}

/** A change to a stored document, reported inside its transaction (webhooks' outbox). */
export interface ConferenceChange {
  type: "conference.created" | "conference.updated" | "conference.deleted";
  conference: StoredConference;
}

type ConferenceDeps = {
  db: Db;
  now: () => number;
  entropy: Entropy;
  onChange?: (change: ConferenceChange) => void;
};

export function createConferenceService(deps: ConferenceDeps): ConferenceService {
  return new Conferences(deps);
}

/** The documents, each write in a transaction that also reports the change. */
class Conferences implements ConferenceService {
  readonly #deps: ConferenceDeps;
  // Prepared once: these run for every ingested event and webhook.
  readonly #findQuery;
  readonly #ownerQuery;
  readonly #revisions = new Map<string, string>();

  constructor(deps: ConferenceDeps) {
    this.#deps = deps;
    this.#findQuery = deps.db
      .select()
      .from(conferences)
      .where(
        and(
          eq(conferences.id, sql.placeholder("id")),
          eq(conferences.accountId, sql.placeholder("accountId")),
          isNull(conferences.deletedAt),
        ),
      )
      .prepare();
    this.#ownerQuery = deps.db
      .select({ accountId: conferences.accountId })
      .from(conferences)
      .where(and(eq(conferences.id, sql.placeholder("id")), isNull(conferences.deletedAt)))
      .prepare();
  }

  list(accountId: string): StoredConference[] {
    return this.#deps.db
      .select()
      .from(conferences)
      .where(live(accountId))
      .orderBy(asc(conferences.createdAt), sql`rowid`)
      .all()
      .map((row) => toStored(row, this.#revisions));
  }

  find(accountId: string, id: string): StoredConference | undefined {
    const row = this.#findRow(accountId, id);
    return row && toStored(row, this.#revisions);
  }

  create(accountId: string, data: unknown): StoredConference {
    const doc = validate(data);
    return this.#deps.db.transaction(() => {
      this.#assertNumbersFree(accountId, doc);
      const at = this.#deps.now();
      const row: Row = {
        id: newId(this.#deps.entropy),
        accountId,
        doc,
        revision: 1,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      };
      this.#deps.db.insert(conferences).values(row).run();
      return this.#changed("conference.created", row);
    });
  }

  replace(accountId: string, id: string, data: unknown): StoredConference {
    const doc = validate(data);
    return this.#deps.db.transaction(() =>
      this.#write(accountId, this.#require(accountId, id), doc),
    );
  }

  patch(accountId: string, id: string, data: unknown): StoredConference {
    return this.#deps.db.transaction(() => {
      const row = this.#require(accountId, id);
      const merged = isPlainObject(data)
        ? deepMerge(row.doc, publicFields(data) as Record<string, unknown>)
        : data;
      return this.#write(accountId, row, validate(merged));
    });
  }

  remove(accountId: string, id: string): StoredConference {
    return this.#deps.db.transaction(() => {
      const row = this.#require(accountId, id);
      const at = this.#deps.now();
      this.#deps.db
        .update(conferences)
        .set({ deletedAt: at, revision: row.revision + 1, updatedAt: at })
        .where(eq(conferences.id, id))
        .run();
      return this.#changed("conference.deleted", { ...row, revision: row.revision + 1 });
    });
  }

  createdAt(id: string): number | null {
    return (
      this.#deps.db
        .select({ at: conferences.createdAt })
        .from(conferences)
        .where(eq(conferences.id, id))
        .get()?.at ?? null
    );
  }

  ownerOf(id: string): string | undefined {
    return this.#ownerQuery.get({ id })?.accountId;
  }

  #findRow(accountId: string, id: string): Row | undefined {
    return this.#findQuery.get({ id, accountId });
  }

  #require(accountId: string, id: string): Row {
    const row = this.#findRow(accountId, id);
    if (!row) {
      throw badIdentifier(id);
    }
    return row;
  }

  #write(accountId: string, row: Row, doc: Record<string, unknown>): StoredConference {
    this.#assertNumbersFree(accountId, doc, row.id);
    const updated = { ...row, doc, revision: row.revision + 1, updatedAt: this.#deps.now() };
    this.#deps.db
      .update(conferences)
      .set({ doc, revision: updated.revision, updatedAt: updated.updatedAt })
      .where(eq(conferences.id, row.id))
      .run();
    return this.#changed("conference.updated", updated);
  }

  /** The stored view of `row`, reported to `onChange` inside the write's transaction. */
  #changed(type: ConferenceChange["type"], row: Row): StoredConference {
    const stored = toStored(row);
    this.#deps.onChange?.({ type, conference: stored });
    return stored;
  }

  /** Kazoo's `validate_numbers`: a dial-in number may belong to one conference of the account. */
  #assertNumbersFree(accountId: string, doc: Record<string, unknown>, selfId?: string): void {
    const wanted = new Set(numbersOf(doc));
    if (wanted.size === 0) {
      return;
    }
    const taken = new Set<string>();
    for (const other of this.#deps.db.select().from(conferences).where(live(accountId)).all()) {
      if (other.id === selfId) {
        continue;
      }
      for (const number of numbersOf(other.doc)) {
        if (wanted.has(number)) {
          taken.add(number);
        }
      }
    }
    if (taken.size > 0) {
      throw validationFailed({
        numbers: { unique: { message: "Numbers already in use", cause: [...taken].join(", ") } },
      });
    }
  }
}

/** An account's conferences that are not deleted. */
function live(accountId: string) {
  return and(eq(conferences.accountId, accountId), isNull(conferences.deletedAt));
}
