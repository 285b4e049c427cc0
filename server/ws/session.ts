/**
 * One WebSocket session speaking blackhole's protocol: rate limit, authenticate, validate,
 * authorise, then subscribe / unsubscribe / ping. Every client message gets exactly one reply,
 * and no event for a binding is sent before that binding's success reply.
 * @module
 */
import { randomBytes } from "node:crypto";
import { clientMessage, type ReplyFrame, subscriptionData, wsErrors } from "../../protocol/ws";
import type { Authenticator, Principal } from "../domain/auth";
import { isPlainObject } from "../domain/merge";
import { parseBinding, type Subscription } from "./bindings";
import type { Entry, SubscriptionIndex } from "./subscription-index";
import { TokenBucket } from "./token-bucket";

/** What a session needs from the rest of the server. */
export interface SessionDeps {
  auth: Authenticator;
  index: SubscriptionIndex<Session>;
  /** The account owning a conference (stored or running), if parley knows it. */
  ownerOf(conferenceId: string): string | undefined;
  /** Sends, in order, the logged events after `seq` that match; false when too far behind. */
  replay(
    session: Session,
    subscriptions: Subscription[],
    accountId: string,
    afterSeq: number,
  ): boolean;
  maxBindings: number;
  now: () => number;
}

export interface Session {
  readonly id: string;
  /** Sends a serialised frame (drops the socket if it is not reading). */
  send(frame: string): void;
  handle(text: string): void;
  /** Removes every binding (socket closed). */
  dispose(): void;
  /** Authenticates from the upgrade's `?token=`. */
  adopt(principal: Principal, token: string): void;
}

export function createSession(
  id: string,
  transport: (frame: string) => void,
  deps: SessionDeps,
): Session {
  const bucket = new TokenBucket({ capacity: 100, refillPerSecond: 10, now: deps.now });
  let principal: Principal | undefined;
  let token: string | undefined;
  /** Active bindings in subscription order, by binding string. */
  const entries = new Map<string, Entry<Session>>();

  const reply = (requestId: string, status: ReplyFrame["status"], data: ReplyFrame["data"]) => {
    const frame: ReplyFrame = { action: "reply", request_id: requestId, status, data };
    session.send(JSON.stringify(frame));
  };
  const fail = (requestId: string, errors: string[]) => reply(requestId, "error", { errors });

  const accountOf = (requested: unknown, requestId: string): string | undefined => {
    if (requested === "*") {
      fail(requestId, [wsErrors.wildcardAccount]);
      return undefined;
    }
    if (typeof requested !== "string" || !principal || !deps.auth.canAccess(principal, requested)) {
      fail(requestId, [wsErrors.foreignAccount]);
      return undefined;
    }
    return requested;
  };

  /** Validates `data` and parses its bindings; replies with the errors and returns undefined. */
  const bindingsOf = (data: unknown, requestId: string) => {
    if (!isPlainObject(data) || Object.keys(data).length === 0) {
      fail(requestId, [wsErrors.missingData]);
      return undefined;
    }
    const parsed = subscriptionData.parse(data);
    const list = parsed.bindings ?? (parsed.binding === undefined ? undefined : [parsed.binding]);
    const missing = [
      ...(parsed.account_id === undefined ? ["account_id"] : []),
      ...(list === undefined ? ["binding"] : []),
    ];
    if (missing.length > 0 || !list) {
      fail(requestId, [wsErrors.missingKeys(missing)]);
      return undefined;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((b) => typeof b === "string")) {
      fail(requestId, [wsErrors.missingKeys(["binding"])]);
      return undefined;
    }
    return { bindings: [...new Set(list as string[])], parsed };
  };

  const subscribe = (data: unknown, requestId: string) => {
    const valid = bindingsOf(data, requestId);
    if (!valid) {
      return;
    }
    const accountId = accountOf(valid.parsed.account_id, requestId);
    if (!accountId) {
      return;
    }
    const errors: string[] = [];
    const fresh: Subscription[] = [];
    for (const binding of valid.bindings) {
      const subscription = parseBinding(binding, accountId);
      if (typeof subscription === "string") {
        errors.push(subscription);
        continue;
      }
      if (subscription.kind !== "account") {
        const owner = deps.ownerOf(subscription.conferenceId);
        if (owner && owner !== accountId) {
          errors.push(wsErrors.foreignConference(subscription.conferenceId));
          continue;
        }
      }
      if (!entries.has(binding)) {
        fresh.push(subscription);
      }
    }
    const resume = valid.parsed.resume_from;
    if (resume !== undefined && (!Number.isSafeInteger(resume) || (resume as number) < 0)) {
      errors.push(wsErrors.badResume);
    }
    if (entries.size + fresh.length > deps.maxBindings) {
      errors.push(wsErrors.tooManyBindings(deps.maxBindings));
    }
    if (errors.length > 0) {
      fail(requestId, errors);
      return;
    }
    const subscribed = [...entries.keys(), ...fresh.map((s) => s.binding)];
    reply(requestId, "success", { subscribed });
    if (resume !== undefined) {
      const all = valid.bindings.map(
        (b) => entries.get(b)?.subscription ?? parseBinding(b, accountId),
      );
      const replayable = all.filter((s): s is Subscription => typeof s !== "string");
      if (!deps.replay(session, replayable, accountId, resume as number)) {
        fail(requestId, [wsErrors.resumeTooFar(10_000)]);
      }
    }
    for (const subscription of fresh) {
      const entry: Entry<Session> = { session, accountId, subscription };
      entries.set(subscription.binding, entry);
      deps.index.add(entry);
    }
  };

  const unsubscribe = (data: unknown, requestId: string) => {
    const valid = bindingsOf(data, requestId);
    if (!valid) {
      return;
    }
    for (const binding of valid.bindings) {
      const entry = entries.get(binding);
      if (entry) {
        deps.index.remove(entry);
        entries.delete(binding);
      }
    }
    reply(requestId, "success", { unsubscribed: valid.bindings, subscribed: [...entries.keys()] });
  };

  /**
   * Authenticates a message with its own token, or the socket's last one when it carries none;
   * false after an error reply. A subscribe is checked on a token valid now (as Kazoo's blackhole
   * checks each one): an expired token cannot add bindings, while those made before keep
   * delivering.
   */
  const authenticate = (given: unknown, requestId: string, action: unknown): boolean => {
    let presented = given;
    if (presented === undefined || presented === null) {
      if (!principal || token === undefined) {
        fail(requestId, [wsErrors.tokenRequired]);
        return false;
      }
      if (action !== "subscribe") {
        return true;
      }
      presented = token;
    }
    if (typeof presented !== "string") {
      fail(requestId, [wsErrors.tokenFormat]);
      return false;
    }
    const resolved = deps.auth.authenticate(presented);
    if (!resolved) {
      fail(requestId, [wsErrors.badToken(presented.slice(0, 512))]);
      return false;
    }
    principal = resolved;
    token = presented;
    return true;
  };

  const session: Session = {
    id,
    send: transport,
    adopt(resolved, presented) {
      principal = resolved;
      token = presented;
    },
    handle(text) {
      if (!bucket.take()) {
        fail(requestIdOf(undefined), [wsErrors.rateLimited(id)]);
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        fail(newRequestId(), [wsErrors.invalidJson]);
        return;
      }
      const parsed = clientMessage.safeParse(raw);
      if (!parsed.success) {
        fail(requestIdOf(isPlainObject(raw) ? raw.request_id : undefined), [wsErrors.notAnObject]);
        return;
      }
      const message = parsed.data;
      const requestId = requestIdOf(message.request_id);
      if (!authenticate(message.auth_token, requestId, message.action)) {
        return;
      }
      switch (message.action) {
        case "subscribe":
          subscribe(message.data, requestId);
          return;
        case "unsubscribe":
          unsubscribe(message.data, requestId);
          return;
        case "ping":
          reply(requestId, "success", { response: "pong" });
          return;
        default:
          fail(requestId, [wsErrors.unknownAction(String(message.action ?? "(none)"))]);
      }
    },
    dispose() {
      for (const entry of entries.values()) {
        deps.index.remove(entry);
      }
      entries.clear();
    },
  };
  return session;
}

function newRequestId(): string {
  return randomBytes(16).toString("hex");
}

function requestIdOf(value: unknown): string {
  if (typeof value === "string" && value.length > 0 && value.length <= 256) {
    return value;
  }
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value);
  }
  return newRequestId();
}
