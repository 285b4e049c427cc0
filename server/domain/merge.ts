/**
 * JSON merge for PATCH: objects merge recursively, the request wins, and `null` removes a key
 * (Kazoo's `basics.md` semantics).
 * @module
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      Reflect.deleteProperty(out, key);
    } else {
      const merged =
        isPlainObject(value) && isPlainObject(out[key])
          ? deepMerge(out[key] as Record<string, unknown>, value)
          : value;
      // defineProperty, not assignment: a `__proto__` key stays a plain key.
      Object.defineProperty(out, key, {
        value: merged,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}
