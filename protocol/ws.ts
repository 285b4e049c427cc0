/**
 * The WebSocket feed's wire contract, compatible with Kazoo's blackhole: client messages, reply
 * and event frames, the exact error strings clients match on, and parley's close codes.
 * @module
 */
import { z } from "zod";

/** A client → server message. Unknown keys are ignored, as blackhole ignores them. */
export const clientMessage = z.looseObject({
  action: z.string().max(64).optional(),
  auth_token: z.unknown().optional(),
  request_id: z.unknown().optional(),
  data: z.unknown().optional(),
});

/** `data` of `subscribe` / `unsubscribe`: one `binding` or several `bindings`. */
export const subscriptionData = z.looseObject({
  account_id: z.unknown().optional(),
  binding: z.unknown().optional(),
  bindings: z.unknown().optional(),
  /** Replay events after this `seq` before live ones (parley extension). */
  resume_from: z.unknown().optional(),
});

/** Server → client reply to one client message. `data` arrays are always arrays. */
export interface ReplyFrame {
  action: "reply";
  request_id: string;
  status: "success" | "error";
  data: {
    subscribed?: string[];
    unsubscribed?: string[];
    errors?: string[];
    response?: "pong";
  };
}

/** Server → client push of one event for one of the client's bindings. */
export interface EventFrame {
  action: "event";
  /** The client's binding, byte for byte. */
  subscribed_key: string;
  /** The AMQP-style binding parley matched with (Kazoo's subscription key). */
  subscription_key: string;
  /** Kazoo's `Event-Name`: `event`, `participant_event` or `command`. */
  name: string;
  routing_key: string;
  data: Record<string, unknown>;
  /** Position in parley's event log; absent on command pushes. */
  seq?: number;
}

/** Error strings, exactly as blackhole words them where it has one. */
export const wsErrors = {
  tokenRequired: "authentication token required",
  badToken: (token: string) => `failed to authenticate token ${token}`,
  tokenFormat: "invalid authentication token format",
  missingData: "missing required keys in data object",
  missingKeys: (keys: string[]) => `missing required keys : ${keys.join(", ")}`,
  conferenceIdRequired: "ConferenceId required",
  badFormat: (keys: string[]) => `invalid format for conference subscription : ${keys.join(", ")}`,
  unsupportedEvent: (event: string) => `Unsupported conference event ${event}`,
  noModule: "no available subscriptions to requested binding",
  foreignAccount: "unauthorized account id",
  wildcardAccount: "unauthorized wildcard account id",
  foreignConference: (id: string) => `unauthorized conference id ${id}`,
  rateLimited: (session: string) => `rate limiting threshold hit for ${session}!`,
  invalidJson: "invalid JSON",
  notAnObject: "message must be a JSON object",
  unknownAction: (action: string) => `unknown action ${action}`,
  tooManyBindings: (limit: number) => `too many bindings on this socket (limit ${limit})`,
  badResume: "resume_from must be a non-negative integer",
  resumePruned: (resume: number, oldest: number) =>
    `resume_from ${resume} is older than the event log keeps; the oldest available seq is ${oldest}`,
  resumeTooFar: (limit: number) =>
    `resume_from is more than ${limit} events behind; re-read the state over HTTP`,
} as const;

/** Close codes parley uses (4000–4999 are application codes). */
export const closeCodes = {
  /** Server shutting down. */
  goingAway: { code: 1001, reason: "server shutting down" },
  /** Binary frames are not part of the protocol. */
  unsupportedData: { code: 1003, reason: "binary frames are not supported" },
  /** The client stopped reading and its send buffer passed the bound. */
  slowConsumer: { code: 4008, reason: "slow consumer: send buffer full" },
  /** No pong to the server's ping within the heartbeat interval. */
  heartbeatTimeout: { code: 4000, reason: "heartbeat timeout" },
} as const;
