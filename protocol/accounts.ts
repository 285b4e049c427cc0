/**
 * Request bodies of the account and authentication routes (`PUT /v2/accounts`, `PUT /v2/api_auth`).
 * @module
 */
import { z } from "zod";

/** `PUT /v2/accounts` data. */
export const createAccountBody = z.object({
  name: z.string().min(1).max(128),
  /**
   * Optional: the account's id on the media platform (Kazoo's 32-hex account id), so that events
   * naming `custom_channel_vars.account_id` land in this account. Generated when absent.
   */
  id: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});

/** `PUT /v2/api_auth` data: an API key, and optionally the user the token acts for. */
export const apiAuthBody = z.object({
  // Up to a token's length, so a pasted auth token is refused with why, not as too long.
  api_key: z.string().min(1).max(4096),
  user_id: z.union([z.string().min(1).max(128), z.int().min(0)]).optional(),
});

/** An account as the API shows it. */
export const accountView = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    /** Unix milliseconds. */
    created: z.int(),
    /** Shared secret of the account's bbb-webhooks-compatible hooks API and checksums. */
    bbb_secret: z.string(),
  })
  .meta({ id: "Account" });

/** A created account, with the one copy of its API key parley will ever show. */
export const createdAccountView = accountView
  .extend({ api_key: z.string() })
  .meta({ id: "CreatedAccount" });

/** `PUT /v2/api_auth` data; the token itself is the envelope's `auth_token`. */
export const apiAuthAnswer = z
  .strictObject({
    account_id: z.string(),
    account_name: z.string(),
    user_id: z.union([z.string(), z.int()]).optional(),
    /** Unix seconds. */
    expires_at: z.int(),
  })
  .meta({ id: "ApiAuth" });

/** `PUT /v2/accounts/{A}/api_key` data: the account's new API key, the one copy parley shows. */
export const rotatedApiKey = z
  .strictObject({ account_id: z.string(), api_key: z.string() })
  .meta({ id: "RotatedApiKey" });
