/**
 * Authentication and tenant checks at the HTTP edge. The token is read from `X-Auth-Token`,
 * `Authorization: Bearer` or `CB-Token`; an account may touch only its own routes, the admin
 * token any.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AccountService } from "../domain/accounts";
import type { Authenticator, Refusal } from "../domain/auth";
import { badIdentifier, DomainError } from "../domain/errors";
import type { HttpEnv } from "./env";

/** The token a request presents, if any. */
export function presentedToken(c: Context<HttpEnv>): string | undefined {
  const header = c.req.header("x-auth-token") ?? c.req.header("cb-token");
  if (header) {
    return header.trim();
  }
  const authorization = c.req.header("authorization");
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/** Requires a valid token; sets `principal`. */
export function requireAuth(auth: Authenticator): MiddlewareHandler<HttpEnv> {
  return async function requireAuth(c, next) {
    const token = presentedToken(c);
    const principal = token ? auth.authenticate(token) : undefined;
    if (!principal) {
      throw refused(auth.explain(token, "token"));
    }
    c.set("authToken", token ?? "");
    c.set("principal", principal);
    await next();
  };
}

/**
 * 401 `invalid_credentials` with why (`reason`) and what to send instead (`hint`): Kazoo's
 * clients match on the code, people read the hint, the console words the reason its own way.
 */
export function refused(refusal: Refusal): DomainError {
  return new DomainError("invalid_credentials", { message: "invalid credentials" }, { ...refusal });
}

/** Requires the admin token (account management). */
export function requireAdmin(auth: Authenticator): MiddlewareHandler<HttpEnv> {
  const authenticated = requireAuth(auth);
  return async function requireAdmin(c, next) {
    await authenticated(c, async () => {
      if (c.get("principal").kind !== "admin") {
        throw new DomainError("forbidden");
      }
      await next();
    });
  };
}

/**
 * Requires access to the `:accountId` in the path: its own token or the admin's. Another
 * account's token gets 403 whether or not the account exists, so ids cannot be probed.
 */
export function requireAccount(
  auth: Authenticator,
  accounts: AccountService,
): MiddlewareHandler<HttpEnv> {
  const authenticated = requireAuth(auth);
  return async function requireAccount(c, next) {
    await authenticated(c, async () => {
      const accountId = c.req.param("accountId") ?? "";
      if (!auth.canAccess(c.get("principal"), accountId)) {
        throw new DomainError("forbidden");
      }
      if (!accounts.get(accountId)) {
        throw badIdentifier(accountId);
      }
      await next();
    });
  };
}
