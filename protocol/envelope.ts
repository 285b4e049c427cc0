/**
 * Kazoo crossbar's response envelope as a schema: the generic success wrapper every `/v2` answer
 * uses around its `data`, and the error envelope. The HTTP routes declare their answers with
 * these, so `/openapi.json` shows what a client receives and the suite checks it.
 * @module
 */
import { z } from "zod";
import { errorCodes, errorDetail, validationErrorData } from "./errors";

/** Keys every envelope carries, success or error. */
const common = {
  /** The token the request presented (the new one on `PUT /v2/api_auth`), or "". */
  auth_token: z.string(),
  /** Which parley node answered (a digest of its host name). */
  node: z.string(),
  /** The `X-Request-ID` header when acceptable, else a fresh UUID. */
  request_id: z.string(),
  /** ISO 8601, seconds. */
  timestamp: z.string(),
  version: z.string(),
};

/**
 * The success envelope around `data`. `extra` declares top-level keys beside it (a list's
 * `page_size`, a conference read's `metadata`).
 */
export function kazooEnvelope<T extends z.ZodType, X extends z.ZodRawShape = Record<never, never>>(
  data: T,
  extra?: X,
) {
  return z.strictObject({
    ...common,
    data,
    /** A stored document's revision (also its `ETag`). */
    revision: z.string().optional(),
    status: z.literal("success"),
    ...(extra as X),
  });
}

/** A list's count, beside `data`. */
export const pageSize = { page_size: z.int().min(0) };

/** The error envelope: `error` is the HTTP status as a string, `message` the code. */
export const kazooErrorEnvelope = z
  .strictObject({
    ...common,
    data: z.union([validationErrorData, errorDetail]),
    error: z.string().regex(/^\d{3}$/),
    message: z.enum(errorCodes),
    status: z.literal("error"),
    /** 401 only: why the credential was refused (`token_expired`, `unknown_api_key`, …). */
    reason: z.string().optional(),
    /** 401 only: what to send instead, in a sentence. */
    hint: z.string().optional(),
  })
  .meta({ id: "ErrorEnvelope", description: "Kazoo crossbar's error envelope" });

/** A Kazoo request body: the document or action under `data`. */
export function kazooRequest<T extends z.ZodType>(data: T) {
  return z.looseObject({ data });
}
