/**
 * Signed, expiring links to parley's own files (recordings, chat exports): an HMAC over the path
 * and the expiry, so a link can be shared without a token and stops working after its time.
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { DomainError } from "./errors";

export interface UrlSigner {
  /** An absolute URL for `path` valid for `ttlMs`, and when it expires. */
  sign(path: string, ttlMs: number): { url: string; expiresAt: number };
  /** True when `signature` was made by this server for `path` and `expires` has not passed. */
  verify(path: string, expires: string | undefined, signature: string | undefined): boolean;
}

export function createUrlSigner({
  secret,
  baseUrl,
  now,
}: {
  /** Hex HMAC key; unknown on a cluster node until it learns it from the log. */
  secret: () => string | undefined;
  /** Where clients reach parley (read when signing, so it may be known only after listening). */
  baseUrl: () => string;
  now: () => number;
}): UrlSigner {
  const mac = (path: string, expires: number) =>
    createHmac("sha256", Buffer.from(secret() ?? unknownSecret(), "hex"))
      .update(`${path}\n${expires}`)
      .digest("base64url");
  return {
    sign(path, ttlMs) {
      const expiresAt = now() + ttlMs;
      const expires = Math.floor(expiresAt / 1000);
      const separator = path.includes("?") ? "&" : "?";
      return {
        url: `${baseUrl()}${path}${separator}expires=${expires}&signature=${mac(path, expires)}`,
        expiresAt: expires * 1000,
      };
    },
    verify(path, expires, signature) {
      if (!expires || !signature || !/^\d{1,12}$/.test(expires)) {
        return false;
      }
      const expected = Buffer.from(mac(path, Number(expires)));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return false;
      }
      return Number(expires) * 1000 > now();
    },
  };
}

function unknownSecret(): never {
  throw new DomainError("service_unavailable", {
    message: "this node has not learnt the cluster's link-signing key yet; try again shortly",
  });
}
