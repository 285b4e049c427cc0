/**
 * A point in time as the API takes it from people and scripts alike: ISO 8601 (`2026-05-01`,
 * `2026-05-01T12:00:00Z`) or Unix seconds (`1777636800`, as a string of digits or a JSON number).
 * One parser for every such field (`recover`'s `since`, the delivery log's `since` / `until`), so
 * they accept and refuse the same values with the same error.
 * @module
 */
import { z } from "zod";

/** The error text for a value that is neither, as Kazoo words a type mismatch. */
export const ISO_OR_UNIX_TEXT = "Value did not match type(s): ISO 8601 date or Unix seconds";

/** Unix milliseconds of an ISO 8601 string or Unix seconds; NaN when it is neither. */
export function isoOrUnixMs(value: unknown): number {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value * 1000 : Number.NaN;
  }
  if (typeof value !== "string") {
    return Number.NaN;
  }
  return /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

/**
 * The zod field: parses to Unix milliseconds; anything else fails Kazoo's `type` rule with the
 * value echoed.
 */
export const isoOrUnix = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = isoOrUnixMs(value);
    if (Number.isFinite(ms)) {
      return ms;
    }
    ctx.addIssue({
      code: "custom",
      message: ISO_OR_UNIX_TEXT,
      params: { rule: "type" },
      input: value,
    });
    return z.NEVER;
  })
  .meta({ description: "ISO 8601, or Unix seconds" });
