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
  api_key: z.string().min(1).max(256),
  user_id: z.union([z.string().min(1).max(128), z.int().min(0)]).optional(),
});
