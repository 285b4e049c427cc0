/**
 * Reads a crossbar request envelope, `{"data": …, …}`, with Kazoo's rules: any content type
 * (curl's `-d` sends form-encoded JSON), an empty body means `data: {}`, a non-empty body must be
 * a JSON object holding `data`, and every failure is a 400 validation error.
 * @module
 */
import type { Context } from "hono";
import { depthOf } from "../../protocol/validation";
import { DomainError, validationFailed } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { HttpEnv } from "./env";

/** A parsed request envelope. */
export interface RequestEnvelope {
  /** The envelope's `data` (object or array). */
  data: unknown;
  /** The whole top-level object, for keys read beside `data` (such as `action`). */
  envelope: Record<string, unknown>;
}

/** Deepest JSON nesting a request body may have; deeper bodies are refused, not stored. */
const MAX_DEPTH = 64;

export async function readEnvelope(c: Context<HttpEnv>): Promise<RequestEnvelope> {
  const text = await c.req.text();
  if (text.trim() === "") {
    return { data: {}, envelope: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : "All JSON must be valid";
    throw new DomainError("validation error", {
      json: { invalid: { message: detail || "All JSON must be valid", target: "body" } },
    });
  }
  if (depthOf(parsed, MAX_DEPTH) > MAX_DEPTH) {
    throw new DomainError("validation error", {
      json: {
        invalid: {
          message: `JSON must not be nested deeper than ${MAX_DEPTH} levels`,
          target: "body",
        },
      },
    });
  }
  if (!isPlainObject(parsed)) {
    throw validationFailed({
      json: {
        type: {
          message: "Value did not match type(s): object",
          target: "object",
        },
      },
    });
  }
  if (!("data" in parsed)) {
    throw validationFailed({ data: { required: { message: "Field is required but missing" } } });
  }
  const data = parsed.data;
  if (typeof data !== "object" || data === null) {
    throw validationFailed({
      data: {
        type: {
          message: "Value did not match type(s): object, array",
          target: "object",
          value: data,
        },
      },
    });
  }
  return { data, envelope: parsed };
}

/** The envelope's `data` when it must be an object (create and update bodies). */
export function dataObject(body: RequestEnvelope): Record<string, unknown> {
  if (!isPlainObject(body.data)) {
    throw validationFailed({
      data: {
        type: {
          message: "Value did not match type(s): object",
          target: "object",
          value: body.data,
        },
      },
    });
  }
  return body.data;
}
