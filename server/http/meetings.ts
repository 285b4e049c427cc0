/**
 * ConnectyCube's Meetings API (seed 002) as a plain-JSON edge: `/meetings` (and the SDK's
 * `.json` routes), authenticated by `CB-Token`. Errors are ConnectyCube-style
 * `{"errors": …}` bodies, validation errors 422 and keyed by field.
 * @module
 */

import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { createMeetingBody, updateMeetingBody } from "../../protocol/meetings";
import type { Authenticator } from "../domain/auth";
import { DomainError } from "../domain/errors";
import type { FilterOp, MeetingFilters, MeetingService } from "../domain/meetings";
import type { SideEvents } from "../domain/side-events";
import type { Logger } from "../logger";
import { presentedToken } from "./auth";
import type { HttpEnv } from "./env";
import type { MeetingPresenter } from "./meeting-format";
import { BodyRefused, limitBodySize, readBodyText, readJson } from "./request-body";
import { parseWith } from "./validate";

export interface MeetingRoutesDeps {
  auth: Authenticator;
  meetings: MeetingService;
  /** Shows a meeting as seed 002's model (`meeting-format.ts`). */
  meetingJson: MeetingPresenter;
  sideEvents: SideEvents;
  logger: Logger;
  /** `HTTP_BODY_LIMIT`: the same size rule as every other route. */
  bodyLimit: number;
}

type Errors = string[] | Record<string, string[]>;

class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errors: Errors,
  ) {
    super(Array.isArray(errors) ? errors.join("; ") : JSON.stringify(errors));
  }
}

/** Kazoo-shaped validation data → `{"field": ["message", …]}`. */
function fieldErrors(data: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, rules] of Object.entries(
    data as Record<string, Record<string, { message: string }>>,
  )) {
    out[path || "base"] = Object.entries(rules).map(([rule, failure]) =>
      rule === "required" ? "is required" : failure.message,
    );
  }
  return out;
}

/** Repairs the one slip in seed 002's own PUT example (a missing comma), nothing more. */
function repairSeedComma(text: string): string {
  return text.replace(/(\d|"|true|false|null|\]|\})(\s+)(")/g, "$1,$2$3");
}

const rangeFields = ["start_date", "end_date", "created_at", "updated_at"] as const;
const ops: Record<string, FilterOp> = { gt: "gt", gte: "gte", lt: "lt", lte: "lte" };

/** Reads `_id`, `limit`, `offset`, `scheduled` and `field[op]=value` filters. */
function filtersOf(params: URLSearchParams): MeetingFilters {
  const errors: Record<string, string[]> = {};
  const integer = (name: string, fallback: number, max: number) => {
    const raw = params.get(name);
    if (raw === null) {
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      errors[name] = [`must be an integer from 0 to ${max}`];
      return fallback;
    }
    return n;
  };
  const filters: MeetingFilters = {
    limit: integer("limit", 100, 1000),
    offset: integer("offset", 0, 1_000_000),
    ranges: [],
  };
  const id = params.get("_id");
  if (id) {
    filters.id = id;
  }
  const scheduled = params.get("scheduled");
  if (scheduled !== null) {
    if (scheduled !== "true" && scheduled !== "false") {
      errors.scheduled = ["must be true or false"];
    }
    filters.scheduled = scheduled === "true";
  }
  for (const [key, raw] of params) {
    const match = key.match(
      /^(start_date|end_date|created_at|updated_at)(?:\[(gt|gte|lt|lte)\])?$/,
    );
    if (!match) {
      continue;
    }
    const field = match[1] as (typeof rangeFields)[number];
    const isDate = field === "created_at" || field === "updated_at";
    const value = /^\d+(\.\d+)?$/.test(raw)
      ? Number(raw) * (isDate ? 1000 : 1)
      : isDate
        ? Date.parse(raw)
        : Number.NaN;
    if (!Number.isFinite(value)) {
      errors[key] = [
        isDate
          ? "must be a date (ISO 8601) or Unix seconds"
          : "must be a Unix timestamp in seconds",
      ];
      continue;
    }
    filters.ranges.push({ field, op: match[2] ? (ops[match[2]] as FilterOp) : "eq", value });
  }
  if (Object.keys(errors).length > 0) {
    throw new ApiError(422, errors);
  }
  return filters;
}

/** The caller's account and ConnectyCube user id; meetings always act for a user. */
function userOf(c: Context<HttpEnv>, auth: Authenticator): { accountId: string; userId: string } {
  const token = presentedToken(c);
  if (!token) {
    throw new ApiError(401, ["Token is required (CB-Token header)"]);
  }
  const principal = auth.authenticate(token);
  if (!principal) {
    throw new ApiError(401, ["Token is invalid or expired"]);
  }
  if (principal.kind !== "account" || principal.userId === undefined) {
    throw new ApiError(403, [
      "This token has no user: create it with PUT /v2/api_auth and a user_id",
    ]);
  }
  return { accountId: principal.accountId, userId: String(principal.userId) };
}

const stripJson = (id: string) => id.replace(/\.json$/, "");

/** The paths this route group owns; the app leaves their body limit to it. */
export function isMeetingsPath(path: string): boolean {
  return path === "/meetings" || path === "/meetings.json" || path.startsWith("/meetings/");
}

/** A body the shared rules refused, worded as ConnectyCube words errors. */
function refusal(refused: BodyRefused): ApiError {
  switch (refused.fault) {
    case "too_large":
      return new ApiError(413, ["Request body too large"]);
    case "too_deep":
      return new ApiError(400, [`Request body is nested too deeply (${refused.message})`]);
    default:
      return new ApiError(400, ["Request body is not valid JSON"]);
  }
}

export function createMeetingRoutes(deps: MeetingRoutesDeps): Hono<HttpEnv> {
  const { auth, meetings, meetingJson } = deps;
  const app = new Hono<HttpEnv>();

  // "/meetings/*" matches "/meetings" too.
  const limitSize = limitBodySize(deps.bodyLimit);
  app.use("/meetings/*", limitSize);
  app.use("/meetings.json", limitSize);
  const body = async (c: Context<HttpEnv>) =>
    (await readJson(c, { repair: repairSeedComma })) ?? {};

  for (const path of ["/meetings", "/meetings.json"]) {
    app.post(path, async (c) => {
      const { accountId, userId } = userOf(c, auth);
      const data = parseWith(createMeetingBody, await body(c));
      const created = await meetings.create(accountId, userId, data);
      return c.json(meetingJson(created), 201);
    });
    app.get(path, async (c) => {
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
    });
  }

  app.get("/meetings/recordings/:meetingId", (c) => {
    const { accountId, userId } = userOf(c, auth);
    const meeting = meetings.visible(accountId, userId, stripJson(c.req.param("meetingId")));
    return c.json(deps.sideEvents.recordingViews(meeting.conferenceId, meeting.id));
  });

  app.get("/meetings/:id", (c) => {
    const { accountId, userId } = userOf(c, auth);
    return c.json(meetingJson(meetings.visible(accountId, userId, stripJson(c.req.param("id")))));
  });
  app.put("/meetings/:id", async (c) => {
    const { accountId, userId } = userOf(c, auth);
    const data = parseWith(updateMeetingBody, await body(c));
    const updated = await meetings.update(accountId, userId, stripJson(c.req.param("id")), data);
    return c.json(meetingJson(updated));
  });
  app.delete("/meetings/:id", (c) => {
    const { accountId, userId } = userOf(c, auth);
    meetings.remove(accountId, userId, stripJson(c.req.param("id")));
    return c.body(null, 200);
  });
  app.all("/meetings/*", () => {
    throw new ApiError(405, ["Method not allowed"]);
  });
  app.all("/meetings", () => {
    throw new ApiError(405, ["Method not allowed"]);
  });

  app.onError((thrown, c) => {
    const error = thrown instanceof BodyRefused ? refusal(thrown) : thrown;
    if (error instanceof ApiError) {
      return c.json({ errors: error.errors }, error.status);
    }
    if (error instanceof DomainError) {
      const message = String((error.data as { message?: unknown })?.message ?? error.code);
      switch (error.code) {
        case "validation error":
          return c.json({ errors: fieldErrors(error.data) }, 422);
        case "bad_identifier":
          return c.json({ errors: [message] }, 404);
        case "forbidden":
          return c.json({ errors: [message] }, 403);
        case "request_entity_too_large":
          return c.json({ errors: [message] }, 413);
        case "service_unavailable":
          return c.json({ errors: [message] }, 503);
        default:
          return c.json({ errors: [message] }, 400);
      }
    }
    deps.logger.error({ err: error }, "unhandled error in meetings API");
    return c.json({ errors: ["Internal server error"] }, 500);
  });
  return app;
}
