/**
 * Structured logs (pino). Secrets are redacted wherever they could appear: headers, bodies, and
 * the fields parley itself logs.
 * @module
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { isColorSupported, prettyFactory } from "pino-pretty";

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

/**
 * Readable lines for a person watching `npm start` in a terminal, printed by pino-pretty:
 * `12:00:01.234 INFO: message {"key":"value"}`. Each entry is formatted and written as pino hands
 * it over (already redacted), with no stream or worker thread in between, so the last lines before
 * an exit are not lost. Times are UTC, like the `time` of the JSON lines. Colour follows the
 * terminal (`NO_COLOR` turns it off).
 */
export function prettyDestination(
  out: NodeJS.WritableStream,
  colour = isColorSupported,
): DestinationStream {
  const pretty = prettyFactory({
    colorize: colour,
    translateTime: "HH:MM:ss.l",
    ignore: "pid,hostname,service",
    singleLine: true,
    // pino-pretty brackets the time by default; a bare time reads like the rest of the line.
    customPrettifiers: { time: (time) => String(time) },
  });
  return { write: (line: string) => void out.write(pretty(line)) };
}
