/**
 * The dashboard's calls to parley's public HTTP API, typed with what the page reads. It uses only
 * documented routes, so whatever the dashboard does an operator's script can do with curl.
 * @module
 */
import type { ConferenceAction, ParticipantAction } from "../../protocol/actions";
import type { ConferenceReadOnly } from "../../protocol/conference";
import type {
  MAX_HISTORY_PAGE,
  SessionEvent,
  SessionParticipantView,
  SessionView,
} from "../../protocol/sessions";
import type { ApiClient } from "./api-client";

/**
 * A row of `GET /conferences`: the document's id, name and numbers plus the live figures. A
 * conference known only from events has no `name`.
 */
export interface ConferenceSummary extends ConferenceReadOnly {
  id: string;
  name?: string;
  conference_numbers?: string[];
}

/**
 * A stored conference document as read and written whole (seed 003's fields and any others a
 * client keeps in it, `ui_metadata` say), without its live `_read_only` block.
 */
export type ConferenceDocument = Record<string, unknown> & { id?: string; name?: string };

/** The fields of a seed 003 participant the dashboard shows. */
export interface Participant {
  participant_id: number;
  call_id: string;
  caller_id_name?: string;
  caller_id_number?: string;
  is_moderator: boolean;
  speak: boolean;
  hear: boolean;
  talking: boolean;
}

/** `GET /conferences/{C}`: the document with its live participants under `_read_only`. */
export interface ConferenceDetail {
  id: string;
  name?: string;
  conference_numbers?: string[];
  _read_only: ConferenceReadOnly & { participants: Participant[] };
}

/** `GET …/sessions/{S}`: one session of the history with its participants and their stays. */
export interface SessionDetail extends SessionView {
  participants: SessionParticipantView[];
}

/** A page of sessions and the key of the next one (none on the last page). */
export interface SessionPage {
  sessions: SessionView[];
  nextStartKey?: string;
}

/** A page of a session's events and the `seq` to read on from (none on the last page). */
export interface EventPage {
  events: SessionEvent[];
  nextAfterSeq?: number;
}

/** Sessions per page of the history list: a screenful, with "Load more" for the rest. */
const sessionsPerPage = 20;
/** Events per read of a session's timeline: the API's largest page, so few round trips. */
const eventsPerPage: typeof MAX_HISTORY_PAGE = 1000;

/**
 * One method per operation the live, editor and history screens use; paths are under the
 * account.
 */
export class ParleyApi {
  readonly #client: ApiClient;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Every conference of the account, stored and running without a document, with figures. */
  listConferences(): Promise<ConferenceSummary[]> {
    return this.#client.request("GET", "/conferences");
  }

  /** One conference with its live participants. */
  getConference(conferenceId: string): Promise<ConferenceDetail> {
    return this.#client.request("GET", `/conferences/${encodeURIComponent(conferenceId)}`);
  }

  /** The conference's document as stored, for an editor to change and send back whole. */
  async getConferenceDocument(conferenceId: string): Promise<ConferenceDocument> {
    const { _read_only: _live, ...document } = await this.#client.request<ConferenceDocument>(
      "GET",
      `/conferences/${encodeURIComponent(conferenceId)}`,
    );
    return document;
  }

  /** Creates a conference (`PUT`); answers the stored document with its new `id`. */
  createConference(document: ConferenceDocument): Promise<ConferenceDocument & { id: string }> {
    return this.#client.request("PUT", "/conferences", document);
  }

  /** Replaces a conference's document (`POST`): keys left out are removed, so send it whole. */
  replaceConference(
    conferenceId: string,
    document: ConferenceDocument,
  ): Promise<ConferenceDocument & { id: string }> {
    return this.#client.request(
      "POST",
      `/conferences/${encodeURIComponent(conferenceId)}`,
      document,
    );
  }

  /** Deletes a conference (its document; the live state is the media server's). */
  async deleteConference(conferenceId: string): Promise<void> {
    await this.#client.request("DELETE", `/conferences/${encodeURIComponent(conferenceId)}`);
  }

  /** Lock or unlock; answers once the media server's command is confirmed. */
  async conferenceAction(conferenceId: string, action: ConferenceAction): Promise<void> {
    await this.#client.request("PUT", `/conferences/${encodeURIComponent(conferenceId)}`, {
      action,
    });
  }

  /** One participant, by its integer `participant_id`. */
  async participantAction(
    conferenceId: string,
    participantId: number,
    action: ParticipantAction,
  ): Promise<void> {
    const path = `/conferences/${encodeURIComponent(conferenceId)}/participants/${participantId}`;
    await this.#client.request("PUT", path, { action });
  }

  /** Every participant except moderators, as the bulk route defines it. */
  async bulkAction(conferenceId: string, action: ParticipantAction): Promise<void> {
    const path = `/conferences/${encodeURIComponent(conferenceId)}/participants`;
    await this.#client.request("PUT", path, { action });
  }

  /**
   * A page of the history, newest first: the conference's sessions, or the whole account's when
   * `conferenceId` is undefined. `startKey` is the previous page's `nextStartKey`.
   */
  async listSessions(conferenceId: string | undefined, startKey?: string): Promise<SessionPage> {
    const scope =
      conferenceId === undefined ? "" : `/conferences/${encodeURIComponent(conferenceId)}`;
    const query = new URLSearchParams({ page_size: String(sessionsPerPage) });
    if (startKey !== undefined) {
      query.set("start_key", startKey);
    }
    const body = await this.#client.send("GET", `${scope}/sessions?${query}`);
    return { sessions: body.data as SessionView[], nextStartKey: body.next_start_key };
  }

  /** One session by id, account-wide, so a link to it needs no conference id. */
  getSession(sessionId: string): Promise<SessionDetail> {
    return this.#client.request("GET", `/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** A page of the session's events in `seq` order, from its first when `afterSeq` is undefined. */
  async sessionEvents(sessionId: string, afterSeq?: number): Promise<EventPage> {
    const query = new URLSearchParams({ limit: String(eventsPerPage) });
    if (afterSeq !== undefined) {
      query.set("after_seq", String(afterSeq));
    }
    const path = `/sessions/${encodeURIComponent(sessionId)}/events?${query}`;
    const body = await this.#client.send("GET", path);
    return { events: body.data as SessionEvent[], nextAfterSeq: body.next_after_seq };
  }
}
