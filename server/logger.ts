/**
 * Structured logs (pino). Secrets are redacted wherever they could appear: headers, bodies, and
 * the fields parley itself logs.
 * @module
 */
import { type DestinationStream, type Logger, pino } from "pino";

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

/** The logger; `destination` (default stdout) lets tests read what would be written. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "parley" },
    redact: { paths: redactedPaths, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
