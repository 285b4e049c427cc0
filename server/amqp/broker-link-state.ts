/**
 * What an operator reads about parley's broker connection: one line per change of state
 * (connected, lost, failing for a new reason, restored), never a stack trace per retry, and the
 * backoff between attempts. A broker that refuses the login is an error to fix, not weather to
 * wait out, so it is told apart from one that is merely unreachable.
 * @module
 */
import type { Logger } from "../logger";

/** Why a connection attempt failed, in words an operator acts on. */
export interface BrokerFailure {
  /** `refused`: the broker answered and said no (credentials, virtual host); retrying won't help. */
  kind: "refused" | "unreachable";
  text: string;
}

/** Raised by the first connection attempt when the broker refuses parley: start-up stops (exit 78). */
export class BrokerRefusedError extends Error {
  override name = "BrokerRefusedError";
}

/** Classifies an amqplib connect error. */
export function describeFailure(error: unknown): BrokerFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (/ACCESS[-_]REFUSED|\b403\b/.test(message)) {
    return {
      kind: "refused",
      text: "refused the login: check the user and password in AMQP_URL",
    };
  }
  if (/NOT[-_]ALLOWED|\b530\b|Expected ConnectionOpenOk/.test(message)) {
    return {
      kind: "refused",
      text: "refused the connection: check the virtual host in AMQP_URL and that the user may use it",
    };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === "ECONNREFUSED" ? "nothing listens there" : message;
  return { kind: "unreachable", text: `is unreachable (${reason})` };
}

/** `amqp://user:secret@host:5672/vhost` → `host:5672/vhost`: where, without the credentials. */
export function brokerAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const vhost = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === "amqps:" ? "5671" : "5672")}${vhost ? `/${vhost}` : ""}`;
  } catch {
    return "the broker in AMQP_URL";
  }
}

/** Delays between attempts: doubling from `baseMs` up to `capMs`, with a little jitter downwards. */
export function backoffMs(attempt: number, baseMs = 250, capMs = 5000, random = Math.random) {
  return Math.round(Math.min(capMs, baseMs * 2 ** attempt) * (0.75 + 0.25 * random()));
}

/** Reports state changes of the broker link, each once. */
export interface LinkReporter {
  connected(): void;
  lost(reason: string | undefined): void;
  failed(failure: BrokerFailure, retryInMs: number): void;
}

export function createLinkReporter(logger: Logger, address: string, now = Date.now): LinkReporter {
  let lastFailure: string | undefined;
  let downSince: number | undefined;
  let everConnected = false;
  return {
    connected() {
      const outage = downSince === undefined ? undefined : now() - downSince;
      logger.info(
        { broker: address, ...(outage === undefined ? {} : { outage_ms: outage }) },
        everConnected && outage !== undefined
          ? `RabbitMQ at ${address} connected again after ${(outage / 1000).toFixed(1)} s`
          : `RabbitMQ at ${address} connected`,
      );
      everConnected = true;
      lastFailure = undefined;
      downSince = undefined;
    },
    lost(reason) {
      downSince = now();
      logger.warn(
        { broker: address },
        `RabbitMQ at ${address} connection lost${reason ? ` (${reason})` : ""}; reconnecting`,
      );
    },
    failed(failure, retryInMs) {
      downSince ??= now();
      const line = `RabbitMQ at ${address} ${failure.text}; retrying in ${(retryInMs / 1000).toFixed(1)} s`;
      if (failure.text === lastFailure) {
        logger.debug({ broker: address }, line);
        return;
      }
      lastFailure = failure.text;
      const fields = { broker: address, retry_in_ms: retryInMs };
      if (failure.kind === "refused") {
        logger.error(fields, line);
      } else {
        logger.warn(fields, line);
      }
    },
  };
}
