/**
 * Kazoo's conference search, as crossbar asks and ecallmgr answers (`kapi_conference`,
 * `ecallmgr_fs_conferences:handle_search_req`): a `search_req` on the conference exchange with
 * routing key `conference.discovery`, naming either `Conference-ID` or `Account-ID` and the
 * requester's queue in `Server-ID`; each media server answers to that queue (through the direct
 * `targeted` exchange) with a `search_resp`, or an `error` when it does not run the conference.
 * parley asks the same question to repair live state built from events that were lost.
 * @module
 */
import { z } from "zod";
import { conferenceEvent, normalizeKeys } from "./events";
import { lenientBoolean, lenientInt } from "./lenient";

/** Routing key of `search_req` (and `discovery_req`) on the conference exchange. */
export const DISCOVERY_ROUTING_KEY = "conference.discovery";

/** Kazoo's direct exchange for answers: the routing key is the requester's queue name. */
export const TARGETED_EXCHANGE = "targeted";

/** Largest answer parley reads; a conference of thousands of members still fits. */
export const MAX_SEARCH_REPLY_BYTES = 4 * 1024 * 1024;

/** A `search_req`, exactly as crossbar publishes it (fixture `search_req_by_*`). */
export interface SearchRequest {
  "App-Name": string;
  "App-Version": string;
  "Event-Category": "conference";
  "Event-Name": "search_req";
  "Msg-ID": string;
  /** The queue answers go to. */
  "Server-ID": string;
  "Conference-ID"?: string;
  "Account-ID"?: string;
}

/** Builds a `search_req` for one conference or one account. */
export function searchRequest(
  query: { msgId: string } & ({ conferenceId: string } | { accountId: string }),
  replyTo: string,
  app: { name: string; version: string },
): SearchRequest {
  return {
    "App-Name": app.name,
    "App-Version": app.version,
    ...("conferenceId" in query
      ? { "Conference-ID": query.conferenceId }
      : { "Account-ID": query.accountId }),
    "Event-Category": "conference",
    "Event-Name": "search_req",
    "Msg-ID": query.msgId,
    "Server-ID": replyTo,
  };
}

// The same field rules as the event feed.
const {
  conference_id: id,
  caller_id_name: optionalText,
  custom_channel_vars: optionalVars,
} = conferenceEvent.shape;

/** One item of `Participants` (`ecallmgr_fs_conferences:participant_to_props`). */
export const searchParticipant = z.looseObject({
  call_id: id,
  participant_id: lenientInt.pipe(z.int().min(0)),
  caller_id_name: optionalText,
  caller_id_number: optionalText,
  conference_name: id.optional(),
  conference_uuid: id.optional(),
  switch_hostname: optionalText,
  /** Gregorian seconds. */
  join_time: lenientInt.optional(),
  custom_channel_vars: optionalVars,
  custom_application_vars: optionalVars,
  /** `Conference-Channel-Vars`, read as on the event feed. */
  conference_channel_vars: conferenceEvent.shape.conference_channel_vars,
});
export type SearchParticipant = z.infer<typeof searchParticipant>;

/** The answer to a conference search: the running conference and its participants. */
export const conferenceSearchResp = z.looseObject({
  event_category: z.literal("conference"),
  event_name: z.literal("search_resp"),
  msg_id: id,
  conference_id: id,
  uuid: id.optional(),
  run_time: lenientInt.optional(),
  /** Gregorian seconds. */
  start_time: lenientInt.optional(),
  locked: lenientBoolean.optional(),
  switch_hostname: optionalText,
  participant_count: lenientInt.optional(),
  participants: z.array(searchParticipant).max(100_000).default([]),
});
export type ConferenceSearchResp = z.infer<typeof conferenceSearchResp>;

/** One running conference in an account search's `Conferences` (`conference_resp/1`). */
const accountConference = z.looseObject({
  uuid: id.optional(),
  run_time: lenientInt.optional(),
  start_time: lenientInt.optional(),
  is_locked: lenientBoolean.optional(),
  switch_hostname: optionalText,
  participant_count: lenientInt.optional(),
  moderators: lenientInt.optional(),
  members: lenientInt.optional(),
});

/** The answer to an account search: the account's running conferences, keyed by id. */
export const accountSearchResp = z.looseObject({
  event_category: z.literal("conference"),
  event_name: z.literal("search_resp"),
  msg_id: id,
  account_id: id.optional(),
  conferences: z.record(id, accountConference),
});
export type AccountSearchResp = z.infer<typeof accountSearchResp>;

/** ecallmgr's answer when it does not run the conference searched for. */
export const searchError = z.looseObject({
  event_category: z.literal("conference"),
  event_name: z.literal("error"),
  msg_id: id,
  conference_id: id.optional(),
  error_message: z.string().max(1024),
});

/** A readable answer to a `search_req`. */
export type SearchReply =
  | { kind: "conference"; msgId: string; value: ConferenceSearchResp }
  | { kind: "account"; msgId: string; value: AccountSearchResp }
  | { kind: "not_found"; msgId: string; conferenceId: string | undefined };

/** Why an answer was refused, and the `Msg-ID` it named if it could be read. */
export interface RefusedReply {
  reason: string;
  msgId: string | undefined;
}

/**
 * Normalises keys as Kazoo's `kz_json:normalize` does, except the keys of `Conferences`: those
 * are conference ids, which must keep their case and dashes.
 */
function normalizeReply(raw: Record<string, unknown>): Record<string, unknown> {
  const conferencesKey = Object.keys(raw).find((key) => key.toLowerCase() === "conferences");
  const { [conferencesKey ?? ""]: conferences, ...rest } = raw;
  const out = normalizeKeys(rest) as Record<string, unknown>;
  if (conferencesKey !== undefined) {
    out.conferences =
      typeof conferences === "object" && conferences !== null && !Array.isArray(conferences)
        ? Object.fromEntries(
            Object.entries(conferences).map(([key, value]) => [key, normalizeKeys(value)]),
          )
        : conferences;
  }
  return out;
}

function problems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
    .join("; ");
}

/** Reads one answer from the reply queue, or says why it cannot be used. */
export function parseSearchReply(
  body: Buffer,
): { ok: true; reply: SearchReply } | ({ ok: false } & RefusedReply) {
  if (body.length > MAX_SEARCH_REPLY_BYTES) {
    return { ok: false, reason: `search reply too large: ${body.length} bytes`, msgId: undefined };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch {
    return { ok: false, reason: "search reply body is not valid JSON", msgId: undefined };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: "search reply body is not a JSON object", msgId: undefined };
  }
  const normalized = normalizeReply(raw as Record<string, unknown>);
  const msgId = typeof normalized.msg_id === "string" ? normalized.msg_id : undefined;
  const refuse = (reason: string) => ({ ok: false as const, reason, msgId });
  if (normalized.event_name === "error") {
    const parsed = searchError.safeParse(normalized);
    return parsed.success
      ? {
          ok: true,
          reply: {
            kind: "not_found",
            msgId: parsed.data.msg_id,
            conferenceId: parsed.data.conference_id,
          },
        }
      : refuse(`invalid search error: ${problems(parsed.error)}`);
  }
  if (normalized.event_name !== "search_resp") {
    return refuse(`not a search reply: Event-Name ${JSON.stringify(normalized.event_name)}`);
  }
  if ("conferences" in normalized) {
    const parsed = accountSearchResp.safeParse(normalized);
    return parsed.success
      ? { ok: true, reply: { kind: "account", msgId: parsed.data.msg_id, value: parsed.data } }
      : refuse(`invalid search_resp: ${problems(parsed.error)}`);
  }
  const parsed = conferenceSearchResp.safeParse(normalized);
  return parsed.success
    ? { ok: true, reply: { kind: "conference", msgId: parsed.data.msg_id, value: parsed.data } }
    : refuse(`invalid search_resp: ${problems(parsed.error)}`);
}
