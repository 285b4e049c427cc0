/**
 * bbb-webhooks' registration API, per account: `/v2/accounts/{A}/bigbluebutton/api/hooks/
 * {create,destroy,list,ping}`, authenticated like BigBlueButton's API by a checksum of the call
 * name, the query and the account's `bbb_secret`, and answering the same XML with the same
 * `messageKey`s. Hooks created here are ordinary subscriptions in the `bbb` (or `raw`) format.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import type { AccountService } from "../domain/accounts";
import { DomainError } from "../domain/errors";
import { nativeTypesFor } from "../webhooks/formats";
import type { SubscriptionStore } from "../webhooks/subscriptions";
import type { HttpApp, HttpEnv } from "./env";

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

function xml(c: Context<HttpEnv>, body: string): Response {
  return c.body(`<response>${body}</response>`, 200, { "Content-Type": "text/xml" });
}

function failed(c: Context<HttpEnv>, key: keyof typeof messages): Response {
  return xml(
    c,
    `<returncode>FAILED</returncode><messageKey>${key}</messageKey><message>${messages[key]}</message>`,
  );
}

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

export function registerBbbHookRoutes(
  app: HttpApp,
  deps: { accounts: AccountService; subscriptions: SubscriptionStore },
): void {
  const base = "/v2/accounts/:accountId/bigbluebutton/api/hooks";

  app.get(`${base}/ping`, (c) => c.text("bbb-webhooks API up!"));

  app.get(`${base}/:call{create|destroy|list}`, async (c) => {
    const accountId = c.req.param("accountId");
    const call = c.req.param("call");
    const rawQuery = new URL(c.req.url).search.replace(/^\?/, "");
    const account = deps.accounts.get(accountId);
    if (!account || !checksumValid(`hooks/${call}`, rawQuery, account.bbb_secret)) {
      return failed(c, "checksumError");
    }
    const query = new URLSearchParams(rawQuery);
    const hooks = deps.subscriptions.list(accountId);

    if (call === "create") {
      const callbackURL = query.get("callbackURL");
      if (!callbackURL) {
        return failed(c, "missingParamCallbackURL");
      }
      const existing = hooks.find((h) => h.url === callbackURL);
      if (existing) {
        return xml(
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
        const created = await deps.subscriptions.create(accountId, {
          name: `bbb hook ${callbackURL}`.slice(0, 128),
          url: callbackURL,
          event_types: eventIds?.length ? nativeTypesFor(eventIds) : ["*"],
          format: raw ? "raw" : "bbb",
          bbb_secret: account.bbb_secret,
          ...(eventIds?.length && !raw ? { bbb_event_ids: eventIds } : {}),
          ...(meetingId ? { conference_id: meetingId } : {}),
        });
        return xml(
          c,
          `<returncode>SUCCESS</returncode><hookID>${created.id}</hookID><permanentHook>false</permanentHook><rawData>${raw}</rawData>`,
        );
      } catch (error) {
        if (error instanceof DomainError) {
          return failed(c, "createHookError");
        }
        throw error;
      }
    }

    if (call === "destroy") {
      const hookId = query.get("hookID");
      if (!hookId) {
        return failed(c, "missingParamHookID");
      }
      if (!hooks.some((h) => h.id === hookId)) {
        return failed(c, "destroyMissingHook");
      }
      deps.subscriptions.remove(accountId, hookId);
      return xml(c, "<returncode>SUCCESS</returncode><removed>true</removed>");
    }

    const meetingId = query.get("meetingID");
    const listed = hooks.filter((h) => !h.conferenceId || h.conferenceId === meetingId);
    const items = listed
      .map(
        (h) =>
          `<hook><hookID>${h.id}</hookID><callbackURL>${cdata(h.url)}</callbackURL>${
            h.conferenceId ? `<meetingID>${cdata(h.conferenceId)}</meetingID>` : ""
          }${h.bbbEventIds ? `<eventID>${h.bbbEventIds.join(",")}</eventID>` : ""}<permanentHook>false</permanentHook><rawData>${h.format === "raw"}</rawData></hook>`,
      )
      .join("");
    return xml(c, `<returncode>SUCCESS</returncode><hooks>${items}</hooks>`);
  });
}
