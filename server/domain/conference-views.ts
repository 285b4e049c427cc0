/**
 * The conference as the API shows it: the stored document (or, for a conference running without
 * one, Kazoo's ad-hoc default document) joined with its live state under `_read_only`.
 * @module
 */
import { type ConferenceReadOnly, conferenceDocument } from "../../protocol/conference";
import type { ConferenceService, StoredConference } from "./conferences";
import { badIdentifier } from "./errors";
import {
  type LiveState,
  type ParticipantRow,
  participantView,
  type RuntimeRow,
  readOnlyOf,
} from "./live-state";

/** A conference the caller may see: stored, running, or both. */
export interface ResolvedConference {
  id: string;
  stored: StoredConference | undefined;
  runtime: RuntimeRow | undefined;
}

export interface ConferenceViews {
  /** The conference if this account may see it; otherwise 404 `bad_identifier`. */
  resolve(accountId: string, id: string): ResolvedConference;
  /** `GET /conferences/{C}` data. */
  detail(conference: ResolvedConference): Record<string, unknown>;
  /**
   * `detail` and `figures` as JSON text, kept until the conference changes or one of its
   * durations ticks: dashboards poll a conference far more often than either happens, and
   * serialising it was most of a read's cost.
   */
  detailJson(conference: ResolvedConference): DetailJson;
  /**
   * The live figures Kazoo 5's crossbar answers in the envelope's `metadata` (where Monster UI's
   * conference viewer reads them), the same as the document's `_read_only`.
   */
  figures(conference: ResolvedConference): ConferenceReadOnly;
  /** `GET /conferences` data: stored documents, then conferences running without one. */
  list(accountId: string): Record<string, unknown>[];
  participants(conference: ResolvedConference): Record<string, unknown>[];
  participant(conference: ResolvedConference, idOrCallId: string): ParticipantRow;
}

/** A conference's `GET` data and figures, serialised. */
export interface DetailJson {
  data: string;
  metadata: string;
}

/** What a serialised detail was made from, and until when its durations hold. */
interface CachedDetail extends DetailJson {
  revision: string | undefined;
  runtime: RuntimeRow | undefined;
  members: readonly ParticipantRow[];
  validUntil: number;
}

const MAX_CACHED_DETAILS = 10_000;

/** When a whole-second duration counted from `start` next changes, seen at `now`. */
function nextTick(start: number, now: number): number {
  return start + (Math.max(0, Math.floor((now - start) / 1000)) + 1) * 1000;
}

const adHocDefaults = conferenceDocument.omit({ name: true });

/** Kazoo's ad-hoc conference: schema defaults plus the id. */
function adHocDocument(id: string): Record<string, unknown> {
  return { ...adHocDefaults.parse({}), id };
}

export function createConferenceViews({
  conferences,
  live,
  now,
}: {
  conferences: ConferenceService;
  live: LiveState;
  now: () => number;
}): ConferenceViews {
  const details = new Map<string, CachedDetail>();
  const views: ConferenceViews = {
    resolve(accountId, id) {
      const stored = conferences.find(accountId, id);
      const runtime = live.runtime(id);
      if (stored) {
        return { id, stored, runtime: runtime?.accountId === accountId ? runtime : undefined };
      }
      if (runtime && runtime.accountId === accountId && !conferences.ownerOf(id)) {
        return { id, stored: undefined, runtime };
      }
      throw badIdentifier(id);
    },
    detail(conference) {
      const members = conference.runtime ? live.participants(conference.id) : [];
      const at = now();
      return {
        ...(conference.stored?.doc ?? adHocDocument(conference.id)),
        _read_only: {
          ...readOnlyOf(conference.runtime, members, at),
          participants: members.map((p) => participantView(p, at)),
        },
      };
    },
    list(accountId) {
      const at = now();
      const running = new Map(live.runningForAccount(accountId).map((r) => [r.conferenceId, r]));
      const members = live.participantsForAccount(accountId);
      const row = (doc: Record<string, unknown>, id: string) => {
        const readOnly = readOnlyOf(running.get(id), members.get(id) ?? [], at);
        return {
          ...doc,
          members: readOnly.members,
          admins: readOnly.admins,
          duration: readOnly.duration,
          is_locked: readOnly.is_locked,
          _read_only: readOnly,
        };
      };
      const stored = conferences.list(accountId);
      const storedIds = new Set(stored.map((c) => c.id));
      const adHoc = [...running.keys()].filter((id) => !storedIds.has(id));
      return [
        ...stored.map((c) => row(c.doc, c.id)),
        ...adHoc.map((id) => row(adHocDocument(id), id)),
      ];
    },
    detailJson(conference) {
      const at = now();
      // The live-state reads return the same objects until the ingest changes the conference.
      const members = conference.runtime ? live.participants(conference.id) : [];
      const cached = details.get(conference.id);
      if (
        cached &&
        at < cached.validUntil &&
        cached.revision === conference.stored?.revision &&
        cached.runtime === conference.runtime &&
        cached.members === members
      ) {
        return cached;
      }
      let validUntil = conference.runtime ? nextTick(conference.runtime.startedAt, at) : Infinity;
      for (const member of members) {
        validUntil = Math.min(validUntil, nextTick(member.joinedAt, at));
      }
      const fresh: CachedDetail = {
        data: JSON.stringify(views.detail(conference)),
        metadata: JSON.stringify(views.figures(conference)),
        revision: conference.stored?.revision,
        runtime: conference.runtime,
        members,
        validUntil,
      };
      if (details.size >= MAX_CACHED_DETAILS) {
        details.clear();
      }
      details.set(conference.id, fresh);
      return fresh;
    },
    figures(conference) {
      const members = conference.runtime ? live.participants(conference.id) : [];
      return readOnlyOf(conference.runtime, members, now());
    },
    participants(conference) {
      if (!conference.runtime) {
        return [];
      }
      const at = now();
      return live.participants(conference.id).map((p) => participantView(p, at));
    },
    participant(conference, idOrCallId) {
      const found = conference.runtime ? live.participant(conference.id, idOrCallId) : undefined;
      if (!found) {
        throw badIdentifier(idOrCallId);
      }
      return found;
    },
  };
  return views;
}
