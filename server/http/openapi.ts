/**
 * The OpenAPI 3.1 document (`GET /openapi.json`) and its reader (`GET /docs`). Request bodies
 * are generated from the same zod schemas that validate them; the route list is checked against
 * the routes the app registers (test/openapi.test.ts), so the document cannot drift.
 * @module
 */
import { z } from "zod";
import { apiAuthBody, createAccountBody } from "../../protocol/accounts";
import { conferenceActions, participantActions } from "../../protocol/actions";
import { conferenceDocument } from "../../protocol/conference";
import { createMeetingBody, updateMeetingBody } from "../../protocol/meetings";
import { RECONCILE_ACTION } from "../../protocol/reconcile";
import { deliveryStatuses, webhookActions, webhookBody } from "../../protocol/webhooks";

type Auth = "token" | "admin" | "none" | "cb-token" | "checksum" | "signed-link";

interface RouteDoc {
  method: "get" | "put" | "post" | "patch" | "delete";
  /** Hono path, `:param` style. */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  /** Body schema; Kazoo routes wrap it as `{"data": …}`. */
  body?: z.ZodType;
  /** Plain JSON (ConnectyCube, health) instead of the Kazoo envelope. */
  plain?: boolean;
  created?: boolean;
  query?: Record<string, string>;
}

const action = (names: readonly string[]) =>
  z.object({ action: z.enum(names as [string, ...string[]]) });
const A = "/v2/accounts/:accountId";
const C = `${A}/conferences/:conferenceId`;
const W = `${A}/webhooks/:webhookId`;

/** Every route parley serves. */
export const routeDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness",
    tag: "health",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/readyz",
    summary: "Readiness: database, message bus",
    tag: "health",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    tag: "health",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/",
    summary: "Live dashboard (HTML)",
    tag: "dashboard",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/dashboard/app.js",
    summary: "Live dashboard script",
    tag: "dashboard",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/dashboard/style.css",
    summary: "Live dashboard stylesheet",
    tag: "dashboard",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tag: "health",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/docs",
    summary: "The API reference, rendered (Swagger UI, served by parley: works offline)",
    tag: "health",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: "/docs/assets/:file",
    summary: "The reference page's script, stylesheet and icon",
    tag: "health",
    auth: "none",
    plain: true,
  },
  { method: "get", path: "/v2/accounts", summary: "List accounts", tag: "accounts", auth: "admin" },
  {
    method: "put",
    path: "/v2/accounts",
    summary: "Create an account (API key shown once)",
    tag: "accounts",
    auth: "admin",
    body: createAccountBody,
    created: true,
  },
  { method: "get", path: A, summary: "Read an account", tag: "accounts", auth: "token" },
  {
    method: "put",
    path: "/v2/api_auth",
    summary: "Exchange an API key for an auth token",
    tag: "accounts",
    auth: "none",
    body: apiAuthBody,
    created: true,
  },
  {
    method: "get",
    path: `${A}/conferences`,
    summary: "List conferences with live counts",
    tag: "conferences",
    auth: "token",
  },
  {
    method: "put",
    path: `${A}/conferences`,
    summary: "Create a conference",
    tag: "conferences",
    auth: "token",
    body: conferenceDocument,
    created: true,
  },
  {
    method: "get",
    path: C,
    summary: "Read a conference with `_read_only` live data",
    tag: "conferences",
    auth: "token",
  },
  {
    method: "post",
    path: C,
    summary: "Replace a conference",
    tag: "conferences",
    auth: "token",
    body: conferenceDocument,
  },
  {
    method: "patch",
    path: C,
    summary: "Merge into a conference (`null` removes a key)",
    tag: "conferences",
    auth: "token",
    body: conferenceDocument.partial(),
  },
  { method: "delete", path: C, summary: "Delete a conference", tag: "conferences", auth: "token" },
  {
    method: "put",
    path: C,
    summary:
      "Conference action: lock or unlock; `reconcile` asks the media servers (Kazoo `search_req`) and repairs the live state, answering with the events it synthesized",
    tag: "conferences",
    auth: "token",
    body: action([...conferenceActions, RECONCILE_ACTION]),
    created: true,
  },
  {
    method: "put",
    path: `${A}/reconcile`,
    summary:
      "Reconcile every conference of the account with the media servers; answers with the events synthesized (`changed`) and what was left alone (`skipped`)",
    tag: "conferences",
    auth: "token",
    created: true,
  },
  {
    method: "get",
    path: `${C}/participants`,
    summary: "List participants",
    tag: "participants",
    auth: "token",
  },
  {
    method: "put",
    path: `${C}/participants`,
    summary: "Bulk action (moderators spared but for kick)",
    tag: "participants",
    auth: "token",
    body: action(participantActions),
    created: true,
  },
  {
    method: "get",
    path: `${C}/participants/:participantId`,
    summary: "Read a participant (member id or call id)",
    tag: "participants",
    auth: "token",
  },
  {
    method: "put",
    path: `${C}/participants/:participantId`,
    summary: "Participant action",
    tag: "participants",
    auth: "token",
    body: action(participantActions),
    created: true,
  },
  {
    method: "get",
    path: `${A}/webhooks`,
    summary: "List webhook subscriptions",
    tag: "webhooks",
    auth: "token",
  },
  {
    method: "put",
    path: `${A}/webhooks`,
    summary: "Create a subscription (secret shown once)",
    tag: "webhooks",
    auth: "token",
    body: webhookBody,
    created: true,
  },
  { method: "get", path: W, summary: "Read a subscription", tag: "webhooks", auth: "token" },
  {
    method: "post",
    path: W,
    summary: "Replace a subscription",
    tag: "webhooks",
    auth: "token",
    body: webhookBody,
  },
  {
    method: "patch",
    path: W,
    summary: "Merge into a subscription",
    tag: "webhooks",
    auth: "token",
    body: webhookBody.partial(),
  },
  { method: "delete", path: W, summary: "Delete a subscription", tag: "webhooks", auth: "token" },
  {
    method: "put",
    path: W,
    summary: "Action: rotate_secret, ping, recover (with `since`)",
    tag: "webhooks",
    auth: "token",
    body: action(webhookActions).extend({ since: z.union([z.string(), z.number()]).optional() }),
    created: true,
  },
  {
    method: "get",
    path: `${W}/deliveries`,
    summary: "Delivery log",
    tag: "webhooks",
    auth: "token",
    query: { status: deliveryStatuses.join(" | "), limit: "1–1000, default 100" },
  },
  {
    method: "get",
    path: `${W}/deliveries/:deliveryId`,
    summary: "A delivery with its attempts",
    tag: "webhooks",
    auth: "token",
  },
  {
    method: "put",
    path: `${W}/deliveries/:deliveryId`,
    summary: "Retry a delivery",
    tag: "webhooks",
    auth: "token",
    body: action(["retry"]),
    created: true,
  },
  {
    method: "get",
    path: `${A}/bigbluebutton/api/hooks/ping`,
    summary: "bbb-webhooks: ping (plain text)",
    tag: "bbb-webhooks",
    auth: "none",
    plain: true,
  },
  {
    method: "get",
    path: `${A}/bigbluebutton/api/hooks/:call`,
    summary: "bbb-webhooks: create, destroy or list hooks (XML)",
    tag: "bbb-webhooks",
    auth: "checksum",
    plain: true,
    query: {
      callbackURL: "create",
      meetingID: "create, list",
      eventID: "create",
      getRaw: "create",
      hookID: "destroy",
      checksum: "sha1/sha256/sha384/sha512 of call + query + bbb_secret",
    },
  },
  {
    method: "post",
    path: "/meetings",
    summary: "Create a meeting",
    tag: "meetings",
    auth: "cb-token",
    body: createMeetingBody,
    plain: true,
    created: true,
  },
  {
    method: "get",
    path: "/meetings",
    summary: "List meetings (filters `field[gt|gte|lt|lte]`)",
    tag: "meetings",
    auth: "cb-token",
    plain: true,
    query: {
      _id: "one meeting",
      limit: "default 100",
      offset: "skip",
      scheduled: "true | false",
      "start_date[gte]": "and the other operators on start_date, end_date, created_at, updated_at",
    },
  },
  {
    method: "post",
    path: "/meetings.json",
    summary: "Create a meeting (SDK route)",
    tag: "meetings",
    auth: "cb-token",
    body: createMeetingBody,
    plain: true,
    created: true,
  },
  {
    method: "get",
    path: "/meetings.json",
    summary: "List meetings (SDK route)",
    tag: "meetings",
    auth: "cb-token",
    plain: true,
  },
  {
    method: "get",
    path: "/meetings/recordings/:meetingId",
    summary: "A meeting's recordings with signed download links",
    tag: "meetings",
    auth: "cb-token",
    plain: true,
  },
  {
    method: "get",
    path: "/meetings/:id",
    summary: "Read a meeting",
    tag: "meetings",
    auth: "cb-token",
    plain: true,
  },
  {
    method: "put",
    path: "/meetings/:id",
    summary: "Update a meeting (host only)",
    tag: "meetings",
    auth: "cb-token",
    body: updateMeetingBody,
    plain: true,
  },
  {
    method: "delete",
    path: "/meetings/:id",
    summary: "Delete a meeting (host only)",
    tag: "meetings",
    auth: "cb-token",
    plain: true,
  },
  {
    method: "get",
    path: "/recordings/:id/file",
    summary: "Download a recording (Range supported)",
    tag: "downloads",
    auth: "signed-link",
    plain: true,
  },
  {
    method: "get",
    path: "/exports/chat/:file",
    summary: "A meeting's chat as CSV",
    tag: "downloads",
    auth: "signed-link",
    plain: true,
  },
];

const security: Record<Auth, Array<Record<string, string[]>>> = {
  token: [{ authToken: [] }, { bearer: [] }],
  admin: [{ authToken: [] }],
  none: [],
  "cb-token": [{ cbToken: [] }],
  checksum: [],
  "signed-link": [],
};

function schemaOf(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/** Builds the document. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeDocs) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const params = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = Object.entries(route.query ?? {}).map(([name, description]) => ({
      name,
      in: "query",
      required: false,
      description,
      schema: { type: "string" },
    }));
    const success = route.plain
      ? { description: "OK" }
      : {
          description: "Success, in the Kazoo envelope",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Envelope" } } },
        };
    const error = {
      description: "Error",
      content: {
        "application/json": {
          schema: {
            $ref: route.plain
              ? "#/components/schemas/PlainError"
              : "#/components/schemas/ErrorEnvelope",
          },
        },
      },
    };
    paths[path] = {
      ...paths[path],
      [route.method]: {
        summary: route.summary,
        tags: [route.tag],
        security: security[route.auth],
        parameters: [...params, ...query],
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: {
                  "application/json": {
                    schema: route.plain
                      ? schemaOf(route.body)
                      : {
                          type: "object",
                          required: ["data"],
                          properties: { data: schemaOf(route.body) },
                        },
                  },
                },
              },
            }
          : {}),
        responses: {
          [route.created ? "201" : "200"]: success,
          ...(route.auth === "none" ? {} : { "401": error, "403": error }),
          "400": error,
          "404": error,
          ...(route.plain ? {} : { "405": error }),
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "parley",
      version,
      description:
        "Realtime conference control: Kazoo-compatible conferences API, webhooks, ConnectyCube-compatible meetings. The WebSocket feed at /ws speaks Kazoo's blackhole protocol (see the README).",
    },
    paths,
    components: {
      securitySchemes: {
        authToken: { type: "apiKey", in: "header", name: "X-Auth-Token" },
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        cbToken: { type: "apiKey", in: "header", name: "CB-Token" },
      },
      schemas: {
        Envelope: {
          type: "object",
          required: ["auth_token", "data", "request_id", "status", "timestamp", "version"],
          properties: {
            auth_token: { type: "string" },
            data: {},
            node: { type: "string" },
            request_id: { type: "string" },
            revision: { type: "string" },
            status: { const: "success" },
            timestamp: { type: "string" },
            version: { type: "string" },
          },
        },
        ErrorEnvelope: {
          type: "object",
          required: ["data", "error", "message", "request_id", "status"],
          properties: {
            auth_token: { type: "string" },
            data: {
              description:
                "For `validation error`: dotted field path → rule (`required`, `type`, `minLength`, …) → {message, target, value}",
            },
            error: { type: "string", description: "The HTTP status as a string" },
            message: {
              type: "string",
              description: "bad_identifier, invalid_credentials, forbidden, …",
            },
            request_id: { type: "string" },
            status: { const: "error" },
            timestamp: { type: "string" },
            version: { type: "string" },
          },
        },
        PlainError: {
          type: "object",
          properties: { errors: { description: "Messages, or field → messages" } },
        },
      },
    },
  };
}
