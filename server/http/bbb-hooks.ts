/**
 * bbb-webhooks' registration API, per account: `/v2/accounts/{A}/bigbluebutton/api/hooks/
 * {create,destroy,list,ping}`, authenticated like BigBlueButton's API by a checksum of the call
 * name, the query and the account's `bbb_secret`, and answering the same XML with the same
 * `messageKey`s. Hooks created here are ordinary subscriptions in the `bbb` (or `raw`) format.
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { Account, AccountService } from "../domain/accounts";
import { DomainError } from "../domain/errors";
import type { ParleyWrites } from "../domain/write-ops";
import { nativeTypesFor } from "../webhooks/formats";
import type { SubscriptionStore } from "../webhooks/subscriptions";
import { BBB_XML_TYPE, bbbFailed, bbbXml } from "./bbb-xml";
import type { HttpApp, HttpEnv } from "./env";
import { accountParams, content, groupErrorAnswer, security } from "./responses";
import { serve } from "./route";

const algorithms: Record<number, string> = {
  40: "sha1",
  64: "sha256",
  96: "sha384",
  128: "sha512",
};

const messages = {
  checksumError: "You did not pass the checksum security check.",
  missingParamCallbackURL: "You must specify a callbackURL in the parameters.",
  missingParamHookID: "You must specify a hookID in the parameters.",
  duplicateWarning: "There is already a hook for this callback URL.",
  destroyMissingHook: "The hook informed was not found.",
  createHookError: "An error happened while creating your hook. Check the logs.",
} as const;

const failed = (c: Context<HttpEnv>, key: keyof typeof messages) =>
  bbbFailed(c, key, messages[key]);

const cdata = (value: string) => `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;

/** BigBlueButton's checksum: hex H(callName + query without checksum + secret), H by length. */
function checksumValid(callName: string, rawQuery: string, secret: string): boolean {
  const match = rawQuery.match(/(?:^|&)checksum=([^&]*)/);
  const given = match?.[1]?.toLowerCase() ?? "";
  const algorithm = algorithms[given.length];
  if (!algorithm || !secret || !/^[0-9a-f]+$/.test(given)) {
    return false;
  }
  const query = rawQuery.replace(/&?checksum=[^&]*/, "").replace(/^&/, "");
  const expected = createHash(algorithm).update(`${callName}${query}${secret}`).digest("hex");
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

const base = "/v2/accounts/{accountId}/bigbluebutton/api/hooks";
const text = (value: string) => z.string().optional().meta({ description: value });
const checksum = text("The call's checksum (see the `bbbChecksum` security scheme)");

/** A checksummed call: its query, and bbb's XML whether it succeeds or fails. */
function call(name: "create" | "destroy" | "list", summary: string, query: z.ZodRawShape) {
  return createRoute({
    method: "get",
    path: `${base}/${name}`,
    summary,
    tags: ["bbb-webhooks"],
    security: security.checksum,
    request: { params: accountParams, query: z.object({ ...query, checksum }) },
    responses: {
      200: {
        description:
          "`<response>` with `returncode` SUCCESS, or FAILED with bbb's `messageKey` (checksumError, missingParamCallbackURL, …)",
        content: content(BBB_XML_TYPE),
      },
      default: groupErrorAnswer.bbb,
    },
  });
}

const ping = createRoute({
  method: "get",
  path: `${base}/ping`,
  summary: "bbb-webhooks: is the API up (plain text)",
  tags: ["bbb-webhooks"],
  security: security.none,
  request: { params: accountParams },
  responses: { 200: { description: "`bbb-webhooks API up!`", content: content("text/plain") } },
});

const create = call("create", "bbb-webhooks: create a hook (a subscription in the bbb format)", {
  callbackURL: text("Where to post the events (required)"),
  meetingID: text("Only this meeting's events"),
  eventID: text("Comma-separated bbb event ids; all when absent"),
  getRaw: text("`true`: the normalised raw events instead"),
});
const destroy = call("destroy", "bbb-webhooks: destroy a hook", {
  hookID: text("The hook (required)"),
});
const list = call("list", "bbb-webhooks: list the account's hooks", {
  meetingID: text("Hooks for this meeting, and the global ones"),
});

/** Declares and serves the bbb-webhooks calls; they authenticate by checksum, not by token. */
export function registerBbbHookRoutes(
  app: HttpApp,
  deps: { accounts: AccountService; subscriptions: SubscriptionStore; writes: ParleyWrites },
): void {
  serve(app, ping, (c) => c.text("bbb-webhooks API up!"));

  /** The account, when the call's checksum is valid; and the call's query. */
  const authenticated = (c: Context<HttpEnv>, name: string) => {
    const rawQuery = new URL(c.req.url).search.replace(/^\?/, "");
    const account = deps.accounts.get(c.req.param("accountId") ?? "");
    const valid = account && checksumValid(`hooks/${name}`, rawQuery, account.bbb_secret);
    return { account: valid ? account : undefined, query: new URLSearchParams(rawQuery) };
  };

  serve(app, create, async (c) => {
    const { account, query } = authenticated(c, "create");
    return account ? await createHook(c, deps, account, query) : failed(c, "checksumError");
  });

  serve(app, destroy, async (c) => {
    const { account, query } = authenticated(c, "destroy");
    if (!account) {
      return failed(c, "checksumError");
    }
    const hookId = query.get("hookID");
    if (!hookId) {
      return failed(c, "missingParamHookID");
    }
    if (!deps.subscriptions.list(account.id).some((h) => h.id === hookId)) {
      return failed(c, "destroyMissingHook");
    }
    await deps.writes.run("webhook.remove", { accountId: account.id, webhookId: hookId });
    return bbbXml(c, "<returncode>SUCCESS</returncode><removed>true</removed>");
  });

  serve(app, list, (c) => {
    const { account, query } = authenticated(c, "list");
    if (!account) {
      return failed(c, "checksumError");
    }
    const meetingId = query.get("meetingID");
    const listed = deps.subscriptions
      .list(account.id)
      .filter((h) => !h.conferenceId || h.conferenceId === meetingId);
    const items = listed
      .map(
        (h) =>
          `<hook><hookID>${h.id}</hookID><callbackURL>${cdata(h.url)}</callbackURL>${
            h.conferenceId ? `<meetingID>${cdata(h.conferenceId)}</meetingID>` : ""
          }${h.bbbEventIds ? `<eventID>${h.bbbEventIds.join(",")}</eventID>` : ""}<permanentHook>false</permanentHook><rawData>${h.format === "raw"}</rawData></hook>`,
      )
      .join("");
    return bbbXml(c, `<returncode>SUCCESS</returncode><hooks>${items}</hooks>`);
  });
}

/** `hooks/create`: a new subscription, or the existing one for the same callback URL. */
async function createHook(
  c: Context<HttpEnv>,
  deps: { subscriptions: SubscriptionStore; writes: ParleyWrites },
  account: Account,
  query: URLSearchParams,
): Promise<Response> {
  const callbackURL = query.get("callbackURL");
  if (!callbackURL) {
    return failed(c, "missingParamCallbackURL");
  }
  const existing = deps.subscriptions.list(account.id).find((h) => h.url === callbackURL);
  if (existing) {
    return bbbXml(
      c,
      `<returncode>SUCCESS</returncode><hookID>${existing.id}</hookID><messageKey>duplicateWarning</messageKey><message>${messages.duplicateWarning}</message>`,
    );
  }
  const eventIds = query
    .get("eventID")
    ?.split(",")
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
  const raw = query.get("getRaw")?.toLowerCase() === "true";
  const meetingId = query.get("meetingID");
  try {
    const body = await deps.subscriptions.validate({
      name: `bbb hook ${callbackURL}`.slice(0, 128),
      url: callbackURL,
      event_types: eventIds?.length ? nativeTypesFor(eventIds) : ["*"],
      format: raw ? "raw" : "bbb",
      bbb_secret: account.bbb_secret,
      ...(eventIds?.length && !raw ? { bbb_event_ids: eventIds } : {}),
      ...(meetingId ? { conference_id: meetingId } : {}),
    });
    const created = await deps.writes.run("webhook.create", { accountId: account.id, body });
    return bbbXml(
      c,
      `<returncode>SUCCESS</returncode><hookID>${created.id}</hookID><permanentHook>false</permanentHook><rawData>${raw}</rawData>`,
    );
  } catch (error) {
    // bbb-webhooks' own answer to a hook it cannot create (a callback URL refused, …).
    if (error instanceof DomainError) {
      return failed(c, "createHookError");
    }
    throw error;
  }
}
