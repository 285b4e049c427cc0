/**
 * Who is calling: the system admin (the admin token) or an account (a signed auth token).
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { AccountService } from "./accounts";
import { sha256Hex } from "./ids";
import type { TokenService } from "./tokens";

/** The authenticated caller of a request or WebSocket session. */
export type Principal =
  | { kind: "admin" }
  | { kind: "account"; accountId: string; userId?: string | number; expiresAt: number };

/** Resolves a presented token to a principal. */
export interface Authenticator {
  authenticate(token: string): Principal | undefined;
  /** True when the principal may act on this account's resources. */
  canAccess(principal: Principal, accountId: string): boolean;
}

export function createAuthenticator({
  adminTokenHash,
  tokens,
  accounts,
}: {
  /** SHA-256 hex of the admin token (unknown on a cluster node until it learns it from the log). */
  adminTokenHash: () => string | undefined;
  tokens: TokenService;
  accounts: AccountService;
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
  };
}
