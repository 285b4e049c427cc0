/**
 * The shapes the account screens read, inferred from protocol/'s schemas as types only (the
 * page imports no zod: `import type` leaves nothing in the bundle).
 * @module
 */
import type { z } from "zod";
import type { accountView, createdAccountView, rotatedApiKey } from "../../protocol/accounts";

/** `GET /v2/accounts/{A}`, and a row of `GET /v2/accounts`. */
export type AccountView = z.infer<typeof accountView>;
/** `PUT /v2/accounts`: the account with the one copy of its key. */
export type CreatedAccount = z.infer<typeof createdAccountView>;
/** `PUT /v2/accounts/{A}/api_key`. */
export type RotatedApiKey = z.infer<typeof rotatedApiKey>;
