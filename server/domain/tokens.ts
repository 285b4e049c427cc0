/**
 * Auth tokens: compact JWTs (HS256) signed with a per-installation secret. Only `HS256` is
 * accepted, signatures are compared in constant time, and every token expires.
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { newId } from "./ids";

/** What a token says about its bearer. */
export interface TokenClaims {
  account_id: string;
  user_id?: string | number;
  /** Expiry, Unix seconds. */
  exp: number;
  iat: number;
  jti: string;
}

/** Issues and verifies auth tokens. */
export interface TokenService {
  issue(subject: { accountId: string; userId?: string | number }): {
    token: string;
    claims: TokenClaims;
  };
  /** The claims of a valid, unexpired token; `undefined` for anything else. */
  verify(token: string): TokenClaims | undefined;
}

const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

export function createTokenService({
  secret,
  ttlSeconds,
  now,
}: {
  secret: string;
  ttlSeconds: number;
  now: () => number;
}): TokenService {
  const key = Buffer.from(secret, "hex");
  const sign = (input: string) => createHmac("sha256", key).update(input).digest();

  return {
    issue({ accountId, userId }) {
      const iat = Math.floor(now() / 1000);
      const claims: TokenClaims = {
        account_id: accountId,
        ...(userId === undefined ? {} : { user_id: userId }),
        iat,
        exp: iat + ttlSeconds,
        jti: newId(),
      };
      const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
      const signature = sign(`${header}.${payload}`).toString("base64url");
      return { token: `${header}.${payload}.${signature}`, claims };
    },
    verify(token) {
      const parts = token.split(".");
      if (parts.length !== 3 || parts[0] !== header) {
        return undefined;
      }
      const [, payload = "", signature = ""] = parts;
      const expected = sign(`${header}.${payload}`);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return undefined;
      }
      let claims: unknown;
      try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        return undefined;
      }
      if (!isClaims(claims) || claims.exp * 1000 <= now()) {
        return undefined;
      }
      return claims;
    },
  };
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.account_id === "string" && typeof v.exp === "number" && typeof v.iat === "number";
}
