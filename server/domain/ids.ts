/**
 * Identifier and secret generation, and the Gregorian-seconds clock Kazoo uses for `join_time`.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";

/**
 * Where ids and secrets get their randomness. Applying the replicated log draws it from the
 * entry being applied (`server/domain/replay.ts`), so every node that applies the same entry
 * creates the same ids; anything else draws it from the operating system.
 */
export interface Entropy {
  bytes(count: number): Buffer;
}

/** The operating system's randomness: for what no other node must reproduce (token ids). */
export const osEntropy: Entropy = { bytes: (count) => randomBytes(count) };

/** A 32-hex-character id, the shape of Kazoo's account and document ids. */
export function newId(entropy: Entropy): string {
  return entropy.bytes(16).toString("hex");
}

/** A high-entropy secret as hex (API keys, admin tokens). */
export function newSecret(entropy: Entropy, bytes = 32): string {
  return entropy.bytes(bytes).toString("hex");
}

/** SHA-256 hex digest; fit for high-entropy secrets, which need no slow hash. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Seconds between 0000-01-01 and 1970-01-01: Kazoo timestamps are Gregorian seconds. */
export const GREGORIAN_OFFSET = 62_167_219_200;

/** Converts a Unix time in milliseconds to Kazoo's Gregorian seconds. */
export function toGregorianSeconds(unixMs: number): number {
  return Math.floor(unixMs / 1000) + GREGORIAN_OFFSET;
}
