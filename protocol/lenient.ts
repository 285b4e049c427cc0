/**
 * Kazoo's lenient typing: crossbar retries a failed validation after converting `"25"` to `25`
 * and `"true"` to `true` where the schema wants an integer or a boolean. Clients written for
 * Kazoo send such values, so parley accepts them the same way. Strings are never coerced.
 * @module
 */
import { z } from "zod";

const integerText = /^-?\d{1,15}$/;

/** A boolean that also accepts the strings `"true"` and `"false"`. */
export const lenientBoolean = z.preprocess((value) => {
  if (value === "true") {
    return true;
  }
  if (value === "false") {
    return false;
  }
  return value;
}, z.boolean());

/** An integer that also accepts its decimal string form. */
export const lenientInt = z.unknown().transform((value, ctx) => {
  if (value === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "Field is required but missing",
      params: { rule: "required" },
    });
    return z.NEVER;
  }
  const coerced = typeof value === "string" && integerText.test(value) ? Number(value) : value;
  if (typeof coerced !== "number" || !Number.isSafeInteger(coerced)) {
    ctx.addIssue({
      code: "custom",
      message: "Value did not match type(s): integer",
      params: { rule: "type", target: "integer" },
      input: value,
    });
    return z.NEVER;
  }
  return coerced;
});

/** Fails with Kazoo's `uniqueItems` rule when an array holds the same value twice. */
export function uniqueItems<T>(items: T[], ctx: z.RefinementCtx<T[]>): void {
  if (new Set(items.map((item) => JSON.stringify(item))).size !== items.length) {
    ctx.addIssue({
      code: "custom",
      message: "List of items is not unique",
      params: { rule: "uniqueItems" },
      input: items,
    });
  }
}
