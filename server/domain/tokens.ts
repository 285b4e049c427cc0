/**
 * Auth tokens: compact JWTs (HS256) signed and checked by `jsonwebtoken`, the one module that
 * knows the library. Each token names its key in the `kid` header so keys can be rotated: the
 * first key signs, every key verifies. Only `HS256` is accepted, signatures are compared in
 * constant time (by the library), and every token expires.
 *
 * Why `jsonwebtoken` and not `jose` or `hono/jwt`: those verify through WebCrypto, which is
 * asynchronous only, and authentication here is synchronous at every edge (HTTP, WebSocket
 * upgrade and per-message checks).
 * @module
 */
import { createSecretKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { DomainError } from "./errors";
import { newId, osEntropy } from "./ids";

/** What a token says about its bearer. */
export interface TokenClaims {
  account_id: string;
  user_id?: string | number;
  /**
   * The id of the API key the token was exchanged for: once that key is rotated away, the token
   * is refused. Tokens issued before keys were named carry none and run to their expiry.
   */
  key?: string;
  /** Expiry, Unix seconds. */
  exp: number;
  iat: number;
  jti: string;
}

/** Issues and verifies auth tokens. */
export interface TokenService {
  issue(subject: { accountId: string; userId?: string | number; keyId?: string }): {
    token: string;
    claims: TokenClaims;
  };
  /** The claims of a valid, unexpired token; `undefined` for anything else. */
  verify(token: string): TokenClaims | undefined;
}

/** A key tokens are signed or verified with. */
export interface TokenKey {
  /** Written to the `kid` header of the tokens this key signs, and how a token finds its key. */
  kid: string;
  /** HMAC secret: a configured key's text, or the bytes of the stored installation secret. */
  secret: string | Buffer;
  /** Also verifies tokens with no `kid`: the ones parley signed before its keys had ids. */
  acceptsTokensWithoutKid?: boolean;
}

/** The key id of the installation's own key, in use while `PARLEY_TOKEN_KEYS` is unset. */
export const INSTALLATION_KEY_ID = "installation";

/**
 * The installation's own key, from the secret generated on first start and stored as hex (the
 * `token_secret` setting). It keeps verifying the tokens issued before keys had ids, so an
 * upgrade does not sign anyone out.
 */
export function installationKey(storedHexSecret: string): TokenKey {
  return {
    kid: INSTALLATION_KEY_ID,
    secret: Buffer.from(storedHexSecret, "hex"),
    acceptsTokensWithoutKid: true,
  };
}

const MAX_VERIFIED_TOKENS = 10_000;

/** Signs with `keys[0]` and verifies with any of `keys`; `now` is the clock in Unix ms. */
export function createTokenService({
  keys,
  ttlSeconds,
  now,
}: {
  keys: readonly TokenKey[];
  ttlSeconds: number;
  now: () => number;
}): TokenService {
  const [signing] = keys;
  if (!signing) {
    throw new Error("the token service needs at least one key");
  }
  // Secrets as KeyObjects, made once: given a string, the library tries to parse it as a public
  // key on every verify, which costs more than the HMAC itself.
  const keyObjects = new Map(keys.map((key) => [key, createSecretKey(toBuffer(key.secret))]));
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  const withoutKid = keys.find((key) => key.acceptsTokensWithoutKid);
  // Tokens already verified, until they expire: a dashboard or integration sends the same token
  // with every request, and decoding and checking it again cost more than the rest of a read.
  const verified = new Map<string, TokenClaims>();
  const check = (token: string): TokenClaims | undefined => {
    try {
      const kid = jwt.decode(token, { complete: true })?.header.kid;
      const key = kid === undefined ? withoutKid : byKid.get(kid);
      if (!key) {
        return undefined;
      }
      const claims = jwt.verify(token, keyObjects.get(key) ?? key.secret, {
        algorithms: ["HS256"],
        clockTimestamp: Math.floor(now() / 1000),
      });
      return isClaims(claims) ? claims : undefined;
    } catch {
      // malformed, forged, expired or signed with another algorithm
      return undefined;
    }
  };

  return {
    issue({ accountId, userId, keyId }) {
      const iat = Math.floor(now() / 1000);
      const claims: TokenClaims = {
        account_id: accountId,
        ...(userId === undefined ? {} : { user_id: userId }),
        ...(keyId === undefined ? {} : { key: keyId }),
        iat,
        exp: iat + ttlSeconds,
        jti: newId(osEntropy),
      };
      // `iat` is in the claims already, so the library does not read its own clock.
      const token = jwt.sign(claims, keyObjects.get(signing) ?? signing.secret, {
        algorithm: "HS256",
        keyid: signing.kid,
      });
      return { token, claims };
    },
    verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.exp > Math.floor(now() / 1000)) {
          return known;
        }
        verified.delete(token);
        return undefined;
      }
      const claims = check(token);
      if (claims) {
        if (verified.size >= MAX_VERIFIED_TOKENS) {
          verified.clear();
        }
        verified.set(token, claims);
      }
      return claims;
    },
  };
}

/**
 * A token service over keys this node may not know yet (a cluster node learns the installation's
 * key from the log): until then it issues nothing (503) and accepts nothing. Rebuilt when the
 * keys change.
 */
export function createDeferredTokenService({
  keys,
  ttlSeconds,
  now,
}: {
  keys: () => readonly TokenKey[] | undefined;
  ttlSeconds: number;
  now: () => number;
}): TokenService {
  let built: { keys: readonly TokenKey[]; service: TokenService } | undefined;
  const current = () => {
    const known = keys();
    if (!known) {
      return undefined;
    }
    if (built?.keys !== known) {
      built = { keys: known, service: createTokenService({ keys: known, ttlSeconds, now }) };
    }
    return built.service;
  };
  return {
    issue(subject) {
      const service = current();
      if (!service) {
        throw new DomainError("service_unavailable", {
          message: "this node has not learnt the cluster's signing key yet; try again shortly",
        });
      }
      return service.issue(subject);
    },
    verify: (token) => current()?.verify(token),
  };
}

/**
 * What an unverified token says about itself (its account and expiry), or `undefined` when it
 * is not a JWT at all. Only for explaining a refusal: nothing read here is trusted.
 */
export function peekToken(
  token: string,
): { accountId?: string; exp?: number; key?: string } | undefined {
  try {
    const payload = jwt.decode(token, { json: true });
    if (!payload) {
      return undefined;
    }
    return {
      ...(typeof payload.account_id === "string" ? { accountId: payload.account_id } : {}),
      ...(typeof payload.exp === "number" ? { exp: payload.exp } : {}),
      ...(typeof payload.key === "string" ? { key: payload.key } : {}),
    };
  } catch {
    return undefined;
  }
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.account_id === "string" && typeof v.exp === "number" && typeof v.iat === "number";
}

function toBuffer(secret: string | Buffer): Buffer {
  return typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
}
