/**
 * Scheduled meetings (seed 002, ConnectyCube): create, list with filters, update (host only),
 * delete (host only). Each meeting owns a conference; its `record` flag starts and stops
 * recording; notifications and reminders go out as webhook events (parley sends no mail).
 *
 * The parts: `meeting-rows` (new row, update merge), `meeting-store` (SQL), `meeting-notices`
 * (who hears of what), `meeting-reminders`. The wire shapes live with their edges:
 * `http/meeting-format.ts` (the API's meeting JSON) and `webhooks/meeting-payloads.ts`.
 * @module
 */
import type { CreateMeetingBody, UpdateMeetingBody } from "../../protocol/meetings";
import type { ConferenceService } from "./conferences";
import { DomainError } from "./errors";
import type { Entropy } from "./ids";
import { changeNotices, creationNotices, type MeetingNotice } from "./meeting-notices";
import { sendDueReminders } from "./meeting-reminders";
import { type MeetingRow, mergeUpdate, newMeetingRow } from "./meeting-rows";
import { type MeetingFilters, MeetingStore } from "./meeting-store";
import { type SerialRunner, serialPerKey } from "./serial-per-key";
import type { Db } from "./store";

export type { MeetingNotice } from "./meeting-notices";
export { type MeetingRow, newObjectId } from "./meeting-rows";
export type { FilterOp, MeetingFilters } from "./meeting-store";

/** The meetings API's operations, each acting for one user of one account. */
export interface MeetingService {
  /** Creates the meeting and its conference (a write: applied by every node alike). */
  create(accountId: string, hostId: string, body: CreateMeetingBody): MeetingRow;
  list(accountId: string, userId: string, filters: MeetingFilters): MeetingRow[];
  /** A meeting the user may see: host, attendee, or public. */
  visible(accountId: string, userId: string, id: string): MeetingRow;
  /**
   * Updates a meeting where the request arrived: a `record` change is told to the media server
   * first (if it cannot take it, nothing changes), then `commit` writes the change; updates that
   * set `record` run one at a time per meeting.
   */
  update(
    accountId: string,
    userId: string,
    id: string,
    body: UpdateMeetingBody,
    commit: (body: UpdateMeetingBody) => Promise<MeetingRow>,
  ): Promise<MeetingRow>;
  /** The update itself: read, merge and write in one transaction (a write: applied everywhere). */
  applyUpdate(accountId: string, userId: string, id: string, body: UpdateMeetingBody): MeetingRow;
  remove(accountId: string, userId: string, id: string): void;
  /** The meeting owning a conference, if any. */
  byConference(conferenceId: string): MeetingRow | undefined;
  /** Sends due reminders (each once); returns how many went out. */
  sendDueReminders(): number;
  /** Whether a reminder is due now (a read: the sending itself is a write of the log). */
  hasDueReminders(): boolean;
}

/** The meeting service's collaborators, passed in by the composition root. */
export interface MeetingDeps {
  db: Db;
  now: () => number;
  entropy: Entropy;
  conferences: ConferenceService;
  /** Publishes `record` start/stop to the media server; rejects when it cannot. */
  record(
    accountId: string,
    conferenceId: string,
    action: "start" | "stop",
    meetingId: string,
  ): Promise<void>;
  /** Stores the notices as webhook events; called inside the write's transaction. */
  publish(notices: MeetingNotice[]): void;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
}

const notFound = () => new DomainError("bad_identifier", { message: "Meeting not found" });
const hostOnly = (what: string) =>
  new DomainError("forbidden", { message: `Only the host can ${what} a meeting` });

/** The meeting service over the store; see {@link MeetingService}. */
export function createMeetingService(deps: MeetingDeps): MeetingService {
  return new Meetings(deps, new MeetingStore(deps.db));
}

class Meetings implements MeetingService {
  readonly #deps: MeetingDeps;
  readonly #store: MeetingStore;
  /** Updates that set `record`, one at a time per meeting. */
  readonly #inTurn: SerialRunner = serialPerKey();

  constructor(deps: MeetingDeps, store: MeetingStore) {
    this.#deps = deps;
    this.#store = store;
  }

  create(accountId: string, hostId: string, body: CreateMeetingBody): MeetingRow {
    const at = this.#deps.now();
    return this.#deps.transaction(() => {
      const name = body.name.slice(0, 128);
      const conference = this.#deps.conferences.create(accountId, { name });
      const row = newMeetingRow({
        accountId,
        conferenceId: conference.id,
        hostId,
        body,
        at,
        entropy: this.#deps.entropy,
      });
      this.#store.insert(row);
      this.#deps.publish(creationNotices(row, at));
      return row;
    });
  }

  list(accountId: string, userId: string, filters: MeetingFilters): MeetingRow[] {
    return this.#store.list(accountId, userId, filters);
  }

  visible(accountId: string, userId: string, id: string): MeetingRow {
    const row = this.#store.findVisible(accountId, userId, id);
    if (!row) {
      throw notFound();
    }
    return row;
  }

  async update(
    accountId: string,
    userId: string,
    id: string,
    body: UpdateMeetingBody,
    commit: (body: UpdateMeetingBody) => Promise<MeetingRow>,
  ): Promise<MeetingRow> {
    const { record } = body;
    if (record === undefined) {
      return commit(body);
    }
    // The media server hears about recording first: if it cannot, nothing changes. Updates that
    // set `record` run one at a time per meeting, so the flag read here is the one that commits.
    return this.#inTurn(id, async () => {
      const row = this.#editable(accountId, userId, id, "update");
      if (record !== row.record) {
        await this.#deps.record(accountId, row.conferenceId, record ? "start" : "stop", row.id);
      }
      return commit(body);
    });
  }

  applyUpdate(accountId: string, userId: string, id: string, body: UpdateMeetingBody): MeetingRow {
    return this.#write(accountId, userId, id, body);
  }

  remove(accountId: string, userId: string, id: string): void {
    this.#deps.transaction(() => {
      const row = this.#editable(accountId, userId, id, "delete");
      this.#store.markDeleted(id, this.#deps.now());
      if (this.#deps.conferences.find(accountId, row.conferenceId)) {
        this.#deps.conferences.remove(accountId, row.conferenceId);
      }
    });
  }

  byConference(conferenceId: string): MeetingRow | undefined {
    return this.#store.byConference(conferenceId);
  }

  sendDueReminders(): number {
    return sendDueReminders(this.#store, this.#deps);
  }

  hasDueReminders(): boolean {
    return this.#store.dueReminders(this.#deps.now()).length > 0;
  }

  /** Reads, merges and writes in one synchronous transaction: no other write lands between. */
  #write(accountId: string, userId: string, id: string, body: UpdateMeetingBody): MeetingRow {
    return this.#deps.transaction(() => {
      const row = this.#editable(accountId, userId, id, "update");
      const at = this.#deps.now();
      const next = mergeUpdate(row, body, at, this.#deps.entropy);
      this.#store.save(row, next);
      if (next.name !== row.name) {
        this.#deps.conferences.patch(accountId, row.conferenceId, {
          name: next.name.slice(0, 128),
        });
      }
      this.#deps.publish(changeNotices(row, next, body, at));
      return next;
    });
  }

  /** A live meeting the user hosts: only the host may change or delete it. */
  #editable(accountId: string, userId: string, id: string, what: string): MeetingRow {
    const row = this.#store.find(accountId, id);
    if (!row) {
      throw notFound();
    }
    if (row.hostId !== userId) {
      throw hostOnly(what);
    }
    return row;
  }
}
