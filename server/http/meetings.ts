/**
 * ConnectyCube's Meetings API (seed 002) as a plain-JSON edge: `/meetings` (and the SDK's
 * `.json` routes), authenticated by `CB-Token`. Errors are ConnectyCube-style `{"errors": …}`
 * bodies (errors.ts), validation errors 422 and keyed by field.
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  createMeetingBody,
  meetingListQuery,
  meetingModel,
  recordingView,
  updateMeetingBody,
} from "../../protocol/meetings";
import type { Authenticator } from "../domain/auth";
import type { MeetingService } from "../domain/meetings";
import type { SideEvents } from "../domain/side-events";
import type { ParleyWrites } from "../domain/write-ops";
import type { Logger } from "../logger";
import type { HttpApp, HttpEnv } from "./env";
import { filtersOf, userOf } from "./meeting-filters";
import type { MeetingPresenter } from "./meeting-format";
import { readBodyText, readJson } from "./request-body";
import { connectyCubeErrorAnswers, json, security } from "./responses";
import { parseWith, rejectOtherMethods, serve } from "./route";

/** What the meetings routes use. */
export interface MeetingRoutesDeps {
  auth: Authenticator;
  meetings: MeetingService;
  writes: ParleyWrites;
  /** Shows a meeting as seed 002's model (`meeting-format.ts`). */
  meetingJson: MeetingPresenter;
  sideEvents: SideEvents;
  logger: Logger;
  /** `HTTP_BODY_LIMIT`, for the form body of a GET (other bodies are limited app-wide). */
  bodyLimit: number;
}

/** Repairs the one slip in seed 002's own PUT example (a missing comma), nothing more. */
function repairSeedComma(text: string): string {
  return text.replace(/(\d|"|true|false|null|\]|\})(\s+)(")/g, "$1,$2$3");
}

const stripJson = (id: string) => id.replace(/\.json$/, "");

const base = { tags: ["meetings"], security: security.cbToken };
const idParams = z.object({
  id: z.string().meta({ description: "The meeting id; `{id}.json` (the SDK's form) too" }),
});
const meeting = (description: string) => ({ description, content: json(meetingModel) });
const readErrors = connectyCubeErrorAnswers(401, 403, 404);
const writeErrors = connectyCubeErrorAnswers(400, 401, 403, 404, 413, 422);

/** `POST /meetings` and the SDK's `POST /meetings.json`. */
function createAt(path: string, summary: string) {
  return createRoute({
    ...base,
    method: "post",
    path,
    summary,
    request: { body: { required: true, content: json(createMeetingBody) } },
    responses: { 201: meeting("The meeting"), ...writeErrors },
  });
}

/** `GET /meetings` and the SDK's `GET /meetings.json`. */
function listAt(path: string, summary: string) {
  return createRoute({
    ...base,
    method: "get",
    path,
    summary,
    request: { query: meetingListQuery },
    responses: {
      200: { description: "Meetings", content: json(z.array(meetingModel)) },
      ...connectyCubeErrorAnswers(401, 403, 413, 422),
    },
  });
}

const recordings = createRoute({
  ...base,
  method: "get",
  path: "/meetings/recordings/{meetingId}",
  summary: "A meeting's recordings with signed download links (`{meetingId}.json` too)",
  request: { params: z.object({ meetingId: z.string() }) },
  responses: {
    200: { description: "Recordings", content: json(z.array(recordingView)) },
    ...readErrors,
  },
});
const read = createRoute({
  ...base,
  method: "get",
  path: "/meetings/{id}",
  summary: "Read a meeting",
  request: { params: idParams },
  responses: { 200: meeting("The meeting"), ...readErrors },
});
const update = createRoute({
  ...base,
  method: "put",
  path: "/meetings/{id}",
  summary: "Update a meeting (host only; any subset of the fields)",
  request: { params: idParams, body: { required: true, content: json(updateMeetingBody) } },
  responses: { 200: meeting("The meeting"), ...writeErrors },
});
const remove = createRoute({
  ...base,
  method: "delete",
  path: "/meetings/{id}",
  summary: "Delete a meeting (host only)",
  request: { params: idParams },
  responses: { 200: { description: "Deleted; no body" }, ...readErrors },
});

/** Declares and serves the meetings routes, plain and `.json`; they authenticate by `CB-Token`. */
export function registerMeetingRoutes(app: HttpApp, deps: MeetingRoutesDeps): void {
  const { auth, meetings, meetingJson } = deps;
  const body = async (c: Context<HttpEnv>) =>
    (await readJson(c, { repair: repairSeedComma })) ?? {};

  for (const [path, sdk] of [
    ["/meetings", ""],
    ["/meetings.json", " (the SDK's route)"],
  ] as const) {
    serve(app, createAt(path, `Create a meeting${sdk}`), async (c) => {
      const { accountId, userId } = userOf(c, auth);
      const data = parseWith(createMeetingBody, await body(c));
      const created = await deps.writes.run("meeting.create", {
        accountId,
        hostId: userId,
        body: data,
      });
      return c.json(meetingJson(created), 201);
    });
    serve(
      app,
      listAt(path, `List meetings (filters \`field[gt|gte|lt|lte]\`)${sdk}`),
      async (c) => {
        const { accountId, userId } = userOf(c, auth);
        // The seed's curl sends the filters as a form body on GET; the SDK sends them in the query.
        const params = new URLSearchParams(new URL(c.req.url).search);
        const form = (await readBodyText(c, deps.bodyLimit)).trim();
        if (form && !form.startsWith("{")) {
          for (const [key, value] of new URLSearchParams(form)) {
            params.append(key, value);
          }
        }
        const rows = meetings.list(accountId, userId, filtersOf(params));
        return c.json(rows.map(meetingJson));
      },
    );
  }

  serve(app, recordings, (c) => {
    const { accountId, userId } = userOf(c, auth);
    const found = meetings.visible(accountId, userId, stripJson(c.req.param("meetingId")));
    return c.json(deps.sideEvents.recordingViews(found.conferenceId, found.id));
  });
  serve(app, read, (c) => {
    const { accountId, userId } = userOf(c, auth);
    return c.json(meetingJson(meetings.visible(accountId, userId, stripJson(c.req.param("id")))));
  });
  serve(app, update, async (c) => {
    const { accountId, userId } = userOf(c, auth);
    const data = parseWith(updateMeetingBody, await body(c));
    const meetingId = stripJson(c.req.param("id"));
    const updated = await meetings.update(accountId, userId, meetingId, data, (body) =>
      deps.writes.run("meeting.update", { accountId, userId, meetingId, body }),
    );
    return c.json(meetingJson(updated));
  });
  serve(app, remove, async (c) => {
    const { accountId, userId } = userOf(c, auth);
    const meetingId = stripJson(c.req.param("id"));
    await deps.writes.run("meeting.remove", { accountId, userId, meetingId });
    return c.body(null, 200);
  });
  rejectOtherMethods(app, "/meetings/*", "Method not allowed");
  rejectOtherMethods(app, "/meetings", "Method not allowed");
}
