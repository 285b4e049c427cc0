/**
 * What a `/meetings` request carries besides its body: the caller (a token with a ConnectyCube
 * user id) and the listing filters (`_id`, `limit`, `offset`, `scheduled`, `field[op]=value`).
 * @module
 */
import type { Context } from "hono";
import type { Authenticator } from "../domain/auth";
import { DomainError, validationFailed } from "../domain/errors";
import type { FilterOp, MeetingFilters } from "../domain/meetings";
import { presentedToken } from "./auth";
import type { HttpEnv } from "./env";

const rangeFields = ["start_date", "end_date", "created_at", "updated_at"] as const;
const ops: Record<string, FilterOp> = { gt: "gt", gte: "gte", lt: "lt", lte: "lte" };

/** Reads `_id`, `limit`, `offset`, `scheduled` and `field[op]=value` filters. */
export function filtersOf(params: URLSearchParams): MeetingFilters {
  const errors: Record<string, string> = {};
  const integer = (name: string, fallback: number, max: number) => {
    const raw = params.get(name);
    if (raw === null) {
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      errors[name] = `must be an integer from 0 to ${max}`;
      return fallback;
    }
    return n;
  };
  const filters: MeetingFilters = {
    limit: integer("limit", 100, 1000),
    offset: integer("offset", 0, 1_000_000),
    ranges: [],
  };
  const id = params.get("_id");
  if (id) {
    filters.id = id;
  }
  const scheduled = params.get("scheduled");
  if (scheduled !== null) {
    if (scheduled !== "true" && scheduled !== "false") {
      errors.scheduled = "must be true or false";
    }
    filters.scheduled = scheduled === "true";
  }
  for (const [key, raw] of params) {
    const match = key.match(
      /^(start_date|end_date|created_at|updated_at)(?:\[(gt|gte|lt|lte)\])?$/,
    );
    if (!match) {
      continue;
    }
    const field = match[1] as (typeof rangeFields)[number];
    const isDate = field === "created_at" || field === "updated_at";
    const value = /^\d+(\.\d+)?$/.test(raw)
      ? Number(raw) * (isDate ? 1000 : 1)
      : isDate
        ? Date.parse(raw)
        : Number.NaN;
    if (!Number.isFinite(value)) {
      errors[key] = isDate
        ? "must be a date (ISO 8601) or Unix seconds"
        : "must be a Unix timestamp in seconds";
      continue;
    }
    filters.ranges.push({ field, op: match[2] ? (ops[match[2]] as FilterOp) : "eq", value });
  }
  if (Object.keys(errors).length > 0) {
    throw validationFailed(
      Object.fromEntries(
        Object.entries(errors).map(([key, message]) => [key, { type: { message } }]),
      ),
    );
  }
  return filters;
}

/** The caller's account and ConnectyCube user id; meetings always act for a user. */
export function userOf(
  c: Context<HttpEnv>,
  auth: Authenticator,
): { accountId: string; userId: string } {
  const token = presentedToken(c);
  if (!token) {
    throw new DomainError("invalid_credentials", {
      message: "Token is required (CB-Token header)",
    });
  }
  const principal = auth.authenticate(token);
  if (!principal) {
    throw new DomainError("invalid_credentials", { message: "Token is invalid or expired" });
  }
  if (principal.kind !== "account" || principal.userId === undefined) {
    throw new DomainError("forbidden", {
      message: "This token has no user: create it with PUT /v2/api_auth and a user_id",
    });
  }
  return { accountId: principal.accountId, userId: String(principal.userId) };
}
