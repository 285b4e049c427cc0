/**
 * Validates request data against a `protocol/` schema, failing with Kazoo's error shape.
 * @module
 */
import type { z } from "zod";
import { toValidationErrors } from "../../protocol/validation";
import { DomainError, validationFailed } from "../domain/errors";
import type { HttpApp } from "./env";

export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw validationFailed(toValidationErrors(parsed.error));
  }
  return parsed.data;
}

/** Answers 405 `invalid_method` for any verb not registered on `path` before this call. */
export function rejectOtherMethods(app: HttpApp, path: string): void {
  app.all(path, () => {
    throw new DomainError("invalid_method");
  });
}
