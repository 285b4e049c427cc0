/**
 * The only reader of `process.env`. Parses every setting once at start-up and fails fast with a
 * message naming the variable, instead of a half-configured server failing later.
 * @module
 */
import { z } from "zod";

const booleanText = z
  .enum(["true", "false", "1", "0", ""])
  .transform((value) => value === "true" || value === "1");

/** A key id: what a token's `kid` header names. */
const keyId = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `PARLEY_TOKEN_KEYS`: comma-separated `kid:secret` pairs, newest first. A bad entry stops the
 * start with its position and the rule it breaks, never the secret itself.
 */
const tokenKeys = z.string().transform((text, ctx) => {
  if (text.trim() === "") {
    return undefined;
  }
  const keys: { kid: string; secret: string }[] = [];
  for (const [index, entry] of text.split(",").entries()) {
    const colon = entry.indexOf(":");
    const kid = entry.slice(0, Math.max(colon, 0)).trim();
    const secret = entry.slice(colon + 1).trim();
    const problem =
      colon < 0 || !keyId.test(kid)
        ? 'must be kid:secret, the kid 1 to 64 letters, digits, ".", "_" or "-"'
        : secret.length < 32
          ? "needs a secret of at least 32 characters"
          : keys.some((key) => key.kid === kid)
            ? `repeats the key id "${kid}"`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: "custom", message: `key ${index + 1} ${problem}` });
      return z.NEVER;
    }
    keys.push({ kid, secret });
  }
  return keys;
});

/** Milliseconds per unit of a RabbitMQ-style age (`x-max-age`): Y, M(onth), D, h, m, s. */
const unitMs = {
  Y: 31_536_000_000,
  M: 2_592_000_000,
  D: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};

/** A retention: `0` (forever) or a number and a unit as `PARLEY_LOG_RETENTION`, in ms. */
const retention = z
  .string()
  .regex(
    /^(0|\d+[YMDhms])$/,
    "must be 0 (keep forever) or a number and a unit (Y, M, D, h, m, s), e.g. 30D",
  )
  .transform((text) =>
    text === "0" ? 0 : Number(text.slice(0, -1)) * unitMs[text.slice(-1) as keyof typeof unitMs],
  );

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  PARLEY_DB: z.string().min(1).default("./data/parley.db"),
  PARLEY_DB_SYNC: z.enum(["full", "normal"]).default("full"),
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, "must start with amqp:// or amqps://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  AMQP_EXCHANGE: z.string().min(1).default("conference"),
  AMQP_QUEUE: z.string().min(1).default("parley.events"),
  PARLEY_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 letters, digits, '.', '_', ':' or '-'")
    .optional(),
  PARLEY_SNAPSHOT: z.string().min(1).optional(),
  PARLEY_WORK_PARTITIONS: z.coerce.number().int().min(1).max(64).default(4),
  PARLEY_LOG_RETENTION: z
    .string()
    .regex(/^\d+[YMDhms]$/, "must be a number and a unit (Y, M, D, h, m, s), e.g. 7D")
    .default("7D"),
  PARLEY_EVENT_RETENTION: retention.prefault("30D"),
  PARLEY_SESSION_RETENTION: retention.prefault("1Y"),
  PARLEY_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  PARLEY_SIMULATE: booleanText.default(false),
  PARLEY_TOKEN_TTL: z.coerce.number().int().min(60).max(31_536_000).default(3600),
  PARLEY_TOKEN_KEYS: tokenKeys.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, "must be comma-separated seconds, e.g. 5,300,1800")
    .default("5,300,1800,7200,18000,36000,36000"),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanText.default(false),
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().min(0.001).default(120),
  HTTP_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  RECORDINGS_DIR: z.string().min(1).default("./data/recordings"),
  MEETING_URL_TEMPLATE: z.string().min(1).optional(),
  PARLEY_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+/, "must be an absolute http(s) URL")
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  RECONCILE_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
  WS_HEARTBEAT_MS: z.coerce.number().int().min(100).default(30_000),
  WS_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(1000),
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
});

/** Everything parley can be configured with; see the README for each variable. */
export interface Config {
  /** TCP port for HTTP and WebSocket; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** SQLite file path, or `:memory:`. */
  databasePath: string;
  /** `full`: every commit is fsync'd before anything is acknowledged; `normal`: see the README. */
  databaseSync: "full" | "normal";
  /** RabbitMQ URL; unset means the embedded in-process bus. */
  amqpUrl: string | undefined;
  /** Topic exchange the media servers publish to and parley sends commands on. */
  amqpExchange: string;
  /** parley's durable queue; its dead-letter queue is `<amqpQueue>.dead`, its log `<amqpQueue>.log`. */
  amqpQueue: string;
  /** This node's name in a cluster (`/readyz`, `/metrics`, the envelope); unset: host:port. */
  nodeId: string | undefined;
  /** A snapshot (`parley snapshot`) a new node's database starts from; ignored once it has one. */
  snapshotPath: string | undefined;
  /** How long the log stream keeps entries (RabbitMQ's `x-max-age`). */
  logRetention: string;
  /** Leases the webhook sending is split into, so a cluster's nodes share it. */
  workPartitions: number;
  /** How long the event log keeps events, in ms (the history timeline, `resume_from`); 0: forever. */
  eventRetentionMs: number;
  /** How long ended sessions and their participants are kept, in ms; 0: forever. */
  sessionRetentionMs: number;
  /** The system admin token; unset means one is generated on first start and printed once. */
  adminToken: string | undefined;
  /** Start the built-in switch simulator. */
  simulate: boolean;
  /** Lifetime of tokens issued by `PUT /v2/api_auth`, in seconds. */
  tokenTtlSeconds: number;
  /**
   * Keys for auth tokens, newest first: the first signs, all verify. Unset means the secret
   * generated on first start and kept in the database.
   */
  tokenKeys: { kid: string; secret: string }[] | undefined;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Seconds to wait before each webhook retry. */
  webhookRetrySchedule: number[];
  /** Allow webhook URLs on loopback and private networks (off by default: SSRF guard). */
  webhookAllowPrivateTargets: boolean;
  /** An endpoint with no successful delivery for this long is disabled. */
  webhookDisableAfterHours: number;
  /** Largest HTTP request body accepted, in bytes. */
  httpBodyLimit: number;
  /** Where recording files named by `recording.event` messages live. */
  recordingsDir: string;
  /** `%s` becomes a meeting's id in its `url`, e.g. `https://meet.example.com/join/%s`. */
  meetingUrlTemplate: string | undefined;
  /** How clients reach parley, for signed download links; defaults to the listening address. */
  publicUrl: string | undefined;
  /** Seconds between reconciliation rounds with the media servers; 0 runs none periodically. */
  reconcileIntervalSeconds: number;
  /** How long a reconciliation round collects the media servers' answers, in milliseconds. */
  reconcileTimeoutMs: number;
  /** Interval of WebSocket pings; a socket that missed the last pong is closed. */
  wsHeartbeatMs: number;
  /** Open WebSockets one client address may hold (429 at the upgrade beyond it). */
  wsMaxConnectionsPerIp: number;
  /** Unsent bytes a WebSocket may accumulate before parley drops it as a slow consumer. */
  wsMaxBufferedBytes: number;
}

/** Thrown when the environment is invalid; `main` prints it and exits without a stack trace. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment (normally `process.env`) into a `Config`. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.PARLEY_DB,
    databaseSync: e.PARLEY_DB_SYNC,
    amqpUrl: e.AMQP_URL,
    amqpExchange: e.AMQP_EXCHANGE,
    amqpQueue: e.AMQP_QUEUE,
    nodeId: e.PARLEY_NODE_ID,
    snapshotPath: e.PARLEY_SNAPSHOT,
    logRetention: e.PARLEY_LOG_RETENTION,
    workPartitions: e.PARLEY_WORK_PARTITIONS,
    eventRetentionMs: e.PARLEY_EVENT_RETENTION,
    sessionRetentionMs: e.PARLEY_SESSION_RETENTION,
    adminToken: e.PARLEY_ADMIN_TOKEN,
    simulate: e.PARLEY_SIMULATE,
    tokenTtlSeconds: e.PARLEY_TOKEN_TTL,
    tokenKeys: e.PARLEY_TOKEN_KEYS,
    logLevel: e.LOG_LEVEL,
    webhookRetrySchedule: e.WEBHOOK_RETRY_SCHEDULE.split(",").map(Number),
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookDisableAfterHours: e.WEBHOOK_DISABLE_AFTER_HOURS,
    httpBodyLimit: e.HTTP_BODY_LIMIT,
    recordingsDir: e.RECORDINGS_DIR,
    meetingUrlTemplate: e.MEETING_URL_TEMPLATE,
    publicUrl: e.PARLEY_PUBLIC_URL,
    reconcileIntervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
    reconcileTimeoutMs: e.RECONCILE_TIMEOUT_MS,
    wsHeartbeatMs: e.WS_HEARTBEAT_MS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    wsMaxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
  };
}

/** The configuration of this process, from its environment: the one place parley reads it. */
export function loadProcessConfig(): Config {
  return loadConfig(process.env);
}
