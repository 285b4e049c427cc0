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
import type { Session } from "./session";

/** A row of `GET /conferences`: the document's id and name plus the live figures. */
export interface ConferenceSummary extends ConferenceReadOnly {
  id: string;
  name?: string;
}

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

/** The Kazoo envelope, as far as the dashboard reads it (paging keys included). */
interface Envelope {
  auth_token?: string;
  data?: unknown;
  message?: string;
  next_start_key?: string;
  next_after_seq?: number;
}

/** What the page needs from the client besides the session: what to do when a token is refused. */
export interface ApiOptions {
  session: Session;
  /** Called on any 401, before the call's promise rejects. */
  onUnauthorized: () => void;
}

/** One method per operation the dashboard offers; every path is under the signed-in account. */
export class ParleyApi {
  readonly #session: Session;
  readonly #onUnauthorized: () => void;

  constructor({ session, onUnauthorized }: ApiOptions) {
    this.#session = session;
    this.#onUnauthorized = onUnauthorized;
  }

  /**
   * Exchanges an API key for a token (`PUT /v2/api_auth`); `undefined` when the key is refused.
   * A refusal here is the operator's typo, not an expired session, so it does not sign out.
   */
  async signIn(apiKey: string): Promise<{ token: string; accountId: string } | undefined> {
    const res = await fetch("/v2/api_auth", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ data: { api_key: apiKey } }),
    });
    const body = await readEnvelope(res);
    const data = body.data as { account_id?: string } | undefined;
    if (!res.ok || !body.auth_token || !data?.account_id) {
      return undefined;
    }
    return { token: body.auth_token, accountId: data.account_id };
  }

  listConferences(): Promise<ConferenceSummary[]> {
    return this.#request("GET", "/conferences");
  }

  getConference(conferenceId: string): Promise<ConferenceDetail> {
    return this.#request("GET", `/conferences/${encodeURIComponent(conferenceId)}`);
  }

  /** Lock or unlock; answers once the media server's command is confirmed. */
  async conferenceAction(conferenceId: string, action: ConferenceAction): Promise<void> {
    await this.#request("PUT", `/conferences/${encodeURIComponent(conferenceId)}`, { action });
  }

  /** One participant, by its integer `participant_id`. */
  async participantAction(
    conferenceId: string,
    participantId: number,
    action: ParticipantAction,
  ): Promise<void> {
    const path = `/conferences/${encodeURIComponent(conferenceId)}/participants/${participantId}`;
    await this.#request("PUT", path, { action });
  }

  /** Every participant except moderators, as the bulk route defines it. */
  async bulkAction(conferenceId: string, action: ParticipantAction): Promise<void> {
    const path = `/conferences/${encodeURIComponent(conferenceId)}/participants`;
    await this.#request("PUT", path, { action });
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
    const body = await this.#send("GET", `${scope}/sessions?${query}`);
    return { sessions: body.data as SessionView[], nextStartKey: body.next_start_key };
  }

  /** One session by id, account-wide, so a link to it needs no conference id. */
  getSession(sessionId: string): Promise<SessionDetail> {
    return this.#request("GET", `/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** A page of the session's events in `seq` order, from its first when `afterSeq` is undefined. */
  async sessionEvents(sessionId: string, afterSeq?: number): Promise<EventPage> {
    const query = new URLSearchParams({ limit: String(eventsPerPage) });
    if (afterSeq !== undefined) {
      query.set("after_seq", String(afterSeq));
    }
    const path = `/sessions/${encodeURIComponent(sessionId)}/events?${query}`;
    const body = await this.#send("GET", path);
    return { events: body.data as SessionEvent[], nextAfterSeq: body.next_after_seq };
  }

  /** Calls `/v2/accounts/{A}{path}` and answers the envelope's `data`, or throws its message. */
  async #request<T>(method: string, path: string, data?: unknown): Promise<T> {
    return (await this.#send(method, path, data)).data as T;
  }

  /** Calls `/v2/accounts/{A}{path}` and answers the whole envelope, or throws its message. */
  async #send(method: string, path: string, data?: unknown): Promise<Envelope> {
    const account = encodeURIComponent(this.#session.accountId ?? "");
    const res = await fetch(`/v2/accounts/${account}${path}`, {
      method,
      headers: { "X-Auth-Token": this.#session.token ?? "", "Content-Type": "application/json" },
      ...(data === undefined ? {} : { body: JSON.stringify({ data }) }),
    });
    const body = await readEnvelope(res);
    if (res.status === 401) {
      this.#onUnauthorized();
    }
    if (!res.ok) {
      const detail = body.data as { message?: string } | undefined;
      throw new Error(detail?.message ?? body.message ?? `HTTP ${res.status}`);
    }
    return body;
  }
}

/** The body as an envelope; `{}` when it is not JSON (a proxy's error page, say). */
async function readEnvelope(res: Response): Promise<Envelope> {
  const body: unknown = await res.json().catch(() => ({}));
  return typeof body === "object" && body !== null ? (body as Envelope) : {};
}
