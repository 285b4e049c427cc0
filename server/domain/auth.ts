/**
 * Who is calling: the system admin (the admin token) or an account (a signed auth token).
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { AccountService } from "./accounts";
import { sha256Hex } from "./ids";
import { peekToken, type TokenService } from "./tokens";

/** The authenticated caller of a request or WebSocket session. */
export type Principal =
  | { kind: "admin" }
  | { kind: "account"; accountId: string; userId?: string | number; expiresAt: number };

/** Resolves a presented token to a principal. */
export interface Authenticator {
  authenticate(token: string): Principal | undefined;
  /** True when the principal may act on this account's resources. */
  canAccess(principal: Principal, accountId: string): boolean;
  /**
   * Why a credential was refused, as one sentence that says what to send instead: `presented`
   * was sent as a token (`"token"`), or as an API key to exchange (`"api_key"`). Only called on
   * the refusal path, so it may cost more than `authenticate`.
   */
  explain(presented: string | undefined, as: "token" | "api_key"): Refusal;
}

/** Why a credential was refused: a stable `reason` for programs, a `hint` for people. */
export interface Refusal {
  reason:
    | "no_token"
    | "admin_token"
    | "auth_token"
    | "token_expired"
    | "not_a_token"
    | "unknown_api_key"
    | "unknown_signer"
    | "unknown_account"
    | "key_rotated";
  hint: string;
}

/** Where an API key becomes a token; every hint about a refused token points there. */
const exchange = "exchange the account's API key for a token at PUT /v2/api_auth";

export function createAuthenticator({
  adminTokenHash,
  tokens,
  accounts,
  now,
}: {
  /** SHA-256 hex of the admin token (unknown on a cluster node until it learns it from the log). */
  adminTokenHash: () => string | undefined;
  tokens: TokenService;
  accounts: AccountService;
  /** The clock tokens are checked against (Unix ms), to say whether one expired. */
  now: () => number;
}): Authenticator {
  let adminDigest: { hash: string; digest: Buffer } | undefined;
  const isAdminToken = (token: string) => {
    const hash = adminTokenHash();
    if (!hash) {
      return false;
    }
    if (adminDigest?.hash !== hash) {
      adminDigest = { hash, digest: Buffer.from(hash, "hex") };
    }
    return timingSafeEqual(Buffer.from(sha256Hex(token), "hex"), adminDigest.digest);
  };
  return {
    authenticate(token) {
      if (token.length === 0 || token.length > 4096) {
        return undefined;
      }
      if (isAdminToken(token)) {
        return { kind: "admin" };
      }
      const claims = tokens.verify(token);
      if (!claims || !accounts.get(claims.account_id)) {
        return undefined;
      }
      if (claims.key !== undefined && !accounts.isCurrentKey(claims.account_id, claims.key)) {
        return undefined;
      }
      return {
        kind: "account",
        accountId: claims.account_id,
        ...(claims.user_id === undefined ? {} : { userId: claims.user_id }),
        expiresAt: claims.exp,
      };
    },
    canAccess(principal, accountId) {
      return principal.kind === "admin" || principal.accountId === accountId;
    },
    explain(presented, as) {
      const token = presented?.trim() ?? "";
      if (token.length === 0) {
        return {
          reason: "no_token",
          hint: `no token was sent: ${exchange}, then send it in X-Auth-Token`,
        };
      }
      if (as === "api_key" && token.length <= 4096 && isAdminToken(token)) {
        return {
          reason: "admin_token",
          hint: "this is the admin token, not an account's API key: send it as X-Auth-Token as it is; it needs no exchange",
        };
      }
      const peeked = peekToken(token);
      if (!peeked) {
        return as === "api_key"
          ? {
              reason: "unknown_api_key",
              hint: "no account has this API key; the admin can issue a new one with PUT /v2/accounts/{account_id}/api_key or `parley accounts rotate-key <account_id>`",
            }
          : {
              reason: "not_a_token",
              hint: `this is not a token parley issued (an API key is not a token): ${exchange}`,
            };
      }
      const expired = peeked.exp !== undefined && peeked.exp * 1000 <= now();
      const when = peeked.exp === undefined ? "" : new Date(peeked.exp * 1000).toISOString();
      if (as === "api_key") {
        return {
          reason: "auth_token",
          hint: `this is an auth token, not an API key: send it as X-Auth-Token${expired ? ` (it expired at ${when})` : ""}`,
        };
      }
      if (expired) {
        return { reason: "token_expired", hint: `the token expired at ${when}: ${exchange}` };
      }
      if (
        peeked.accountId !== undefined &&
        peeked.key !== undefined &&
        accounts.get(peeked.accountId) &&
        !accounts.isCurrentKey(peeked.accountId, peeked.key)
      ) {
        return {
          reason: "key_rotated",
          hint: "the API key this token was exchanged for has been rotated: exchange the account's new API key for a token at PUT /v2/api_auth",
        };
      }
      if (peeked.accountId !== undefined && !accounts.get(peeked.accountId)) {
        return {
          reason: "unknown_account",
          hint: "the token's account does not exist on this server",
        };
      }
      return {
        reason: "unknown_signer",
        hint: `the token was not signed by this installation, or its signing key was retired: ${exchange}`,
      };
    },
  };
}
