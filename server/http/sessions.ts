/**
 * Conference history (`…/sessions`): sessions newest first, per conference or account-wide;
 * one session with its participants; a session's events in `seq` order, ending with the
 * `resume_from` that continues it on `/ws`. Lists and participants answer CSV to
 * `Accept: text/csv`.
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { kazooEnvelope } from "../../protocol/envelope";
import {
  eventPageKeys,
  sessionDetail,
  sessionEvent,
  sessionEventsQuery,
  sessionListQuery,
  sessionPageKeys,
  sessionView,
} from "../../protocol/sessions";
import type { SessionHistory } from "../domain/session-history";
import { toCsv, wantsCsv } from "./csv";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, pageKeys, success } from "./envelope";
import { accountParams, content, json, kazooErrors, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the history routes use. */
export interface SessionRoutesDeps {
  info: EnvelopeInfo;
  history: SessionHistory;
}

const base = { tags: ["history"], security: security.token };
const sessionParam = z.string().meta({ description: "The session id (32 hex characters)" });
const scopes = {
  account: { prefix: "/v2/accounts/{accountId}", params: accountParams },
  conference: {
    prefix: "/v2/accounts/{accountId}/conferences/{conferenceId}",
    params: accountParams.extend({
      conferenceId: z.string().meta({ description: "The conference id" }),
    }),
  },
} as const;

const sessionColumns = Object.keys(sessionView.shape);
const participantColumns = [
  "call_id",
  "participant_id",
  "caller_id_name",
  "caller_id_number",
  "is_moderator",
  "present",
  "joins",
  "first_joined_at",
  "last_left_at",
  "left_reason",
  "time_in_conference",
  "time_muted",
  "time_deaf",
  "talk_time",
  "talk_count",
];

/** JSON in the envelope, or CSV to `Accept: text/csv`. */
function jsonOrCsv<T extends z.ZodType, X extends z.ZodRawShape>(
  description: string,
  data: T,
  extra?: X,
) {
  return {
    description: `${description}; CSV (one row each) to \`Accept: text/csv\``,
    content: { ...json(kazooEnvelope(data, extra)), ...content("text/csv") },
  };
}

function routesFor(scope: keyof typeof scopes) {
  const { prefix, params } = scopes[scope];
  const where = scope === "account" ? "of the account" : "of the conference";
  const oneParams = params.extend({ sessionId: sessionParam });
  return {
    list: createRoute({
      ...base,
      method: "get",
      path: `${prefix}/sessions`,
      summary: `Sessions ${where}, newest first`,
      request: { params, query: sessionListQuery },
      responses: {
        200: jsonOrCsv("A page of sessions", z.array(sessionView), sessionPageKeys),
        ...kazooErrors(400, 401, 403, 404),
      },
    }),
    one: createRoute({
      ...base,
      method: "get",
      path: `${prefix}/sessions/{sessionId}`,
      summary: "A session with its participants (current figures while live)",
      request: { params: oneParams },
      responses: {
        200: {
          description: "The session; its participants as CSV to `Accept: text/csv`",
          content: { ...json(kazooEnvelope(sessionDetail)), ...content("text/csv") },
        },
        ...kazooErrors(401, 403, 404),
      },
    }),
    events: createRoute({
      ...base,
      method: "get",
      path: `${prefix}/sessions/{sessionId}/events`,
      summary: "The session's events in seq order; the last page names the /ws resume_from",
      request: { params: oneParams, query: sessionEventsQuery },
      responses: {
        200: {
          description: "A page of events, each as the WebSocket pushes its data",
          content: json(kazooEnvelope(z.array(sessionEvent), eventPageKeys)),
        },
        ...kazooErrors(400, 401, 403, 404),
      },
    }),
  };
}

/** Declares and serves the history routes (account-wide and per conference), under the guard. */
export function registerSessionRoutes(app: HttpApp, deps: SessionRoutesDeps): void {
  const { info, history } = deps;
  for (const scope of ["account", "conference"] as const) {
    const routes = routesFor(scope);
    const conferenceOf = (params: Record<string, string>) =>
      scope === "conference" ? params.conferenceId : undefined;

    serve(app, routes.list, (c) => {
      const params = c.req.param() as Record<string, string>;
      const query = c.req.valid("query");
      const conferenceId = conferenceOf(params);
      const page = history.list(
        {
          accountId: params.accountId as string,
          pageSize: query.page_size,
          ...(conferenceId === undefined ? {} : { conferenceId }),
          ...(query.start_key === undefined ? {} : { startKey: query.start_key }),
          ...(query.started_after === undefined ? {} : { startedAfter: query.started_after }),
          ...(query.started_before === undefined ? {} : { startedBefore: query.started_before }),
        },
        info.now(),
      );
      if (wantsCsv(c.req.header("accept"))) {
        if (page.nextStartKey) {
          c.header("X-Next-Start-Key", page.nextStartKey);
        }
        return csvAnswer(c, toCsv(sessionColumns, page.sessions), "sessions");
      }
      return success(c, info, page.sessions, {
        extra: pageKeys(page.sessions.length, query.start_key, page.nextStartKey),
      });
    });

    serve(app, routes.one, (c) => {
      const params = c.req.param() as Record<string, string>;
      const sessionId = params.sessionId as string;
      const found = history.get(
        params.accountId as string,
        sessionId,
        info.now(),
        conferenceOf(params),
      );
      if (wantsCsv(c.req.header("accept"))) {
        const rows = found.participants.map((p) => ({ ...p, joins: p.joins.length }));
        return csvAnswer(c, toCsv(participantColumns, rows), `session-${sessionId}`);
      }
      return success(c, info, found);
    });

    serve(app, routes.events, (c) => {
      const params = c.req.param() as Record<string, string>;
      const query = c.req.valid("query");
      const page = history.events(
        params.accountId as string,
        params.sessionId as string,
        query.after_seq,
        query.limit,
        conferenceOf(params),
      );
      return success(c, info, page.events, {
        extra: {
          page_size: page.events.length,
          ...(page.nextAfterSeq === undefined ? {} : { next_after_seq: page.nextAfterSeq }),
          ...(page.resumeFrom === undefined ? {} : { resume_from: page.resumeFrom }),
          ...(page.oldestSeq === undefined ? {} : { oldest_seq: page.oldestSeq }),
        },
      });
    });
  }
  for (const path of [
    "/v2/accounts/:accountId/sessions",
    "/v2/accounts/:accountId/sessions/:sessionId",
    "/v2/accounts/:accountId/sessions/:sessionId/events",
    "/v2/accounts/:accountId/conferences/:conferenceId/sessions",
    "/v2/accounts/:accountId/conferences/:conferenceId/sessions/:sessionId",
    "/v2/accounts/:accountId/conferences/:conferenceId/sessions/:sessionId/events",
  ]) {
    rejectOtherMethods(app, path);
  }
}

function csvAnswer(c: Parameters<Parameters<typeof serve>[2]>[0], body: string, name: string) {
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${name}.csv"`,
  });
}
