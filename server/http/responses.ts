/**
 * The pieces route declarations share: answers in each route group's shape (Kazoo envelope,
 * ConnectyCube JSON, bbb XML), the error answers each group can give, the security schemes, and
 * the path parameters every account route has.
 * @module
 */
import { z } from "zod";
import { kazooEnvelope, kazooErrorEnvelope } from "../../protocol/envelope";
import { connectyCubeErrors } from "../../protocol/errors";
import { BBB_XML_TYPE } from "./bbb-xml";
import type { RouteGroup } from "./errors";

/** JSON content of a schema. */
export function json<T extends z.ZodType>(schema: T) {
  return { "application/json": { schema } };
}

/** Content that is not JSON (HTML, scripts, CSV, XML, files): documented, checked by type. */
export function content(...types: string[]) {
  return Object.fromEntries(types.map((type) => [type, { schema: z.string() }]));
}

/** A Kazoo success answer: `data` in the envelope, with `extra` top-level keys. */
export function kazooOk<T extends z.ZodType, X extends z.ZodRawShape>(
  description: string,
  data: T,
  extra?: X,
) {
  return { description, content: json(kazooEnvelope(data, extra)) };
}

const kazooErrorTexts = {
  400: "`validation error`: `data` keyed by field path and rule; `json.invalid` when the body is not JSON",
  401: "`invalid_credentials`: no token, or not a valid one",
  403: "`forbidden`: another account's resource, or not the admin",
  404: "`bad_identifier` (unknown id) or `faulty_request` (unknown action)",
  413: "`request_entity_too_large`: over `HTTP_BODY_LIMIT`",
  503: "`service_unavailable`: the message bus could not take the command",
} as const;

const connectyCubeErrorTexts = {
  400: "The body is not JSON, or nested too deep",
  401: "No token, or not a valid one",
  403: "A token without a user, another user's meeting, or a link that is invalid or has expired",
  404: "No such meeting, or no file",
  413: "Body over `HTTP_BODY_LIMIT`",
  422: "Fields that fail validation, keyed by field",
} as const;

/** Each group's answer for an error not listed on the route (and for requests no route serves). */
export const groupErrorAnswer = {
  kazoo: { description: "Any other error, in Kazoo's envelope", content: json(kazooErrorEnvelope) },
  connectycube: {
    description: "Any other error, as ConnectyCube words it",
    content: json(connectyCubeErrors),
  },
  bbb: { description: "An error, as bbb's `FAILED` XML", content: content(BBB_XML_TYPE) },
} satisfies Record<RouteGroup, unknown>;

/** The Kazoo errors a route documents, plus `default` for the rest. */
export function kazooErrors(...statuses: Array<keyof typeof kazooErrorTexts>) {
  return {
    ...Object.fromEntries(
      statuses.map((status) => [
        status,
        { description: kazooErrorTexts[status], content: json(kazooErrorEnvelope) },
      ]),
    ),
    default: groupErrorAnswer.kazoo,
  };
}

/** The ConnectyCube errors a route documents, plus `default` for the rest. */
export function connectyCubeErrorAnswers(...statuses: Array<keyof typeof connectyCubeErrorTexts>) {
  return {
    ...Object.fromEntries(
      statuses.map((status) => [
        status,
        { description: connectyCubeErrorTexts[status], content: json(connectyCubeErrors) },
      ]),
    ),
    default: groupErrorAnswer.connectycube,
  };
}

/** The security schemes, as the document declares them. */
export const securitySchemes = {
  authToken: { type: "apiKey", in: "header", name: "X-Auth-Token" },
  bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
  cbToken: { type: "apiKey", in: "header", name: "CB-Token" },
  bbbChecksum: {
    type: "apiKey",
    in: "query",
    name: "checksum",
    description:
      "BigBlueButton's checksum: hex SHA-1/256/384/512 of call name + query + bbb_secret",
  },
  signedLink: {
    type: "apiKey",
    in: "query",
    name: "signature",
    description: "The HMAC signature of a link parley handed out, with its `expires`",
  },
} as const;

/** OpenAPI's security requirement: any one of the named schemes. */
function anyOf(...names: Array<keyof typeof securitySchemes>): Array<Record<string, string[]>> {
  return names.map((name) => ({ [name]: [] }));
}

/** Who may call a route. */
export const security = {
  /** An account's token (or the admin's). */
  token: anyOf("authToken", "bearer"),
  admin: anyOf("authToken"),
  none: anyOf(),
  cbToken: anyOf("cbToken"),
  checksum: anyOf("bbbChecksum"),
  signedLink: anyOf("signedLink"),
};

/** `{accountId}`. */
export const accountParams = z.object({
  accountId: z.string().meta({ description: "The account id (32 hex characters)" }),
});

/** `{accountId}/conferences/{conferenceId}`. */
export const conferenceParams = accountParams.extend({
  conferenceId: z.string().meta({ description: "The conference id" }),
});
