/**
 * Structured logs (pino). Secrets are redacted wherever they could appear: headers, bodies, and
 * the fields parley itself logs.
 * @module
 */
import { type Logger, pino } from "pino";

export type { Logger };

/** Paths whose values never reach a log line. */
export const redactedPaths = [
  "token",
  "apiKey",
  "api_key",
  "auth_token",
  "secret",
  "adminToken",
  "*.token",
  "*.api_key",
  "*.auth_token",
  "*.secret",
  'headers["x-auth-token"]',
  "headers.authorization",
  'headers["cb-token"]',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "parley" },
    redact: { paths: redactedPaths, censor: "[redacted]" },
  });
}
