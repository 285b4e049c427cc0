/**
 * One WebSocket session speaking blackhole's protocol: rate limit, authenticate, validate,
 * authorise, then subscribe / unsubscribe / ping. Every client message gets exactly one reply,
 * and no event for a binding is sent before that binding's success reply.
 * @module
 */
import { clientMessage, type ReplyFrame, wsErrors } from "../../protocol/ws";
import type { Authenticator, Principal } from "../domain/auth";
import { isPlainObject } from "../domain/merge";
import { parseBinding, type Subscription } from "./bindings";
import { type BindingsRequest, newRequestId, readBindings, requestIdOf } from "./client-requests";
import { REPLAY_LIMIT } from "./fanout";
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
  /** Every event up to this `seq` was pruned: a `resume_from` below it cannot be served. */
  prunedThrough(): number;
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
  return new WsSession(id, transport, deps);
}

/** A subscribe request, validated: its account, bindings and resume point. */
interface SubscribeRequest {
  accountId: string;
  bindings: string[];
  resume: unknown;
}

class WsSession implements Session {
  readonly id: string;
  readonly #transport: (frame: string) => void;
  readonly #deps: SessionDeps;
  readonly #bucket: TokenBucket;
  #principal: Principal | undefined;
  #token: string | undefined;
  /** Active bindings in subscription order, by binding string. */
  readonly #entries = new Map<string, Entry<Session>>();

  constructor(id: string, transport: (frame: string) => void, deps: SessionDeps) {
    this.id = id;
    this.#transport = transport;
    this.#deps = deps;
    this.#bucket = new TokenBucket({ capacity: 100, refillPerSecond: 10, now: deps.now });
  }

  send(frame: string): void {
    this.#transport(frame);
  }

  adopt(principal: Principal, token: string): void {
    this.#principal = principal;
    this.#token = token;
  }

  handle(text: string): void {
    if (!this.#bucket.take()) {
      this.#fail(requestIdOf(undefined), [wsErrors.rateLimited(this.id)]);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.#fail(newRequestId(), [wsErrors.invalidJson]);
      return;
    }
    const parsed = clientMessage.safeParse(raw);
    if (!parsed.success) {
      const given = isPlainObject(raw) ? raw.request_id : undefined;
      this.#fail(requestIdOf(given), [wsErrors.notAnObject]);
      return;
    }
    const message = parsed.data;
    const requestId = requestIdOf(message.request_id);
    if (this.#authenticate(message.auth_token, requestId, message.action)) {
      this.#dispatch(message.action, message.data, requestId);
    }
  }

  dispose(): void {
    for (const entry of this.#entries.values()) {
      this.#deps.index.remove(entry);
    }
    this.#entries.clear();
  }

  #dispatch(action: unknown, data: unknown, requestId: string): void {
    switch (action) {
      case "subscribe":
        this.#subscribe(data, requestId);
        return;
      case "unsubscribe":
        this.#unsubscribe(data, requestId);
        return;
      case "ping":
        this.#reply(requestId, "success", { response: "pong" });
        return;
      default:
        this.#fail(requestId, [wsErrors.unknownAction(String(action ?? "(none)"))]);
    }
  }

  #reply(requestId: string, status: ReplyFrame["status"], data: ReplyFrame["data"]): void {
    const frame: ReplyFrame = { action: "reply", request_id: requestId, status, data };
    this.send(JSON.stringify(frame));
  }

  #fail(requestId: string, errors: string[]): void {
    this.#reply(requestId, "error", { errors });
  }

  /**
   * Authenticates a message with its own token, or the socket's last one when it carries none;
   * false after an error reply. A subscribe is checked on a token valid now (as Kazoo's blackhole
   * checks each one): an expired token cannot add bindings, while those made before keep
   * delivering.
   */
  #authenticate(given: unknown, requestId: string, action: unknown): boolean {
    let presented = given;
    if (presented === undefined || presented === null) {
      if (!this.#principal || this.#token === undefined) {
        this.#fail(requestId, [wsErrors.tokenRequired]);
        return false;
      }
      if (action !== "subscribe") {
        return true;
      }
      presented = this.#token;
    }
    if (typeof presented !== "string") {
      this.#fail(requestId, [wsErrors.tokenFormat]);
      return false;
    }
    const resolved = this.#deps.auth.authenticate(presented);
    if (!resolved) {
      this.#fail(requestId, [wsErrors.badToken(presented.slice(0, 512))]);
      return false;
    }
    this.adopt(resolved, presented);
    return true;
  }

  #subscribe(data: unknown, requestId: string): void {
    const request = this.#subscribeRequest(data, requestId);
    if (!request) {
      return;
    }
    const { accountId, bindings, resume } = request;
    const errors: string[] = [];
    const fresh = this.#freshSubscriptions(bindings, accountId, errors);
    if (resume !== undefined && (!Number.isSafeInteger(resume) || (resume as number) < 0)) {
      errors.push(wsErrors.badResume);
    } else if (resume !== undefined && (resume as number) < this.#deps.prunedThrough()) {
      errors.push(wsErrors.resumePruned(resume as number, this.#deps.prunedThrough() + 1));
    }
    if (this.#entries.size + fresh.length > this.#deps.maxBindings) {
      errors.push(wsErrors.tooManyBindings(this.#deps.maxBindings));
    }
    if (errors.length > 0) {
      this.#fail(requestId, errors);
      return;
    }
    const subscribed = [...this.#entries.keys(), ...fresh.map((s) => s.binding)];
    this.#reply(requestId, "success", { subscribed });
    if (resume !== undefined) {
      this.#replay(bindings, accountId, resume as number, requestId);
    }
    for (const subscription of fresh) {
      const entry: Entry<Session> = {
        session: this,
        accountId,
        subscription,
        ...(resume === undefined ? {} : { after: resume as number }),
      };
      this.#entries.set(subscription.binding, entry);
      this.#deps.index.add(entry);
    }
  }

  /** Validates a subscribe's data and account; replies with the errors and returns undefined. */
  #subscribeRequest(data: unknown, requestId: string): SubscribeRequest | undefined {
    const valid = this.#bindingsOf(data, requestId);
    if (!valid) {
      return undefined;
    }
    const accountId = this.#accountOf(valid.parsed.account_id, requestId);
    if (!accountId) {
      return undefined;
    }
    return { accountId, bindings: valid.bindings, resume: valid.parsed.resume_from };
  }

  /** The bindings this socket does not hold yet; adds each refusal's reason to `errors`. */
  #freshSubscriptions(bindings: string[], accountId: string, errors: string[]): Subscription[] {
    const fresh: Subscription[] = [];
    for (const binding of bindings) {
      const subscription = parseBinding(binding, accountId);
      if (typeof subscription === "string") {
        errors.push(subscription);
        continue;
      }
      if (subscription.kind !== "account") {
        const owner = this.#deps.ownerOf(subscription.conferenceId);
        if (owner && owner !== accountId) {
          errors.push(wsErrors.foreignConference(subscription.conferenceId));
          continue;
        }
      }
      if (!this.#entries.has(binding)) {
        fresh.push(subscription);
      }
    }
    return fresh;
  }

  /** Sends what the requested bindings missed since `resume`, before any live event. */
  #replay(bindings: string[], accountId: string, resume: number, requestId: string): void {
    const all = bindings.map(
      (b) => this.#entries.get(b)?.subscription ?? parseBinding(b, accountId),
    );
    const replayable = all.filter((s): s is Subscription => typeof s !== "string");
    if (!this.#deps.replay(this, replayable, accountId, resume)) {
      this.#fail(requestId, [wsErrors.resumeTooFar(REPLAY_LIMIT)]);
    }
  }

  #unsubscribe(data: unknown, requestId: string): void {
    const valid = this.#bindingsOf(data, requestId);
    if (!valid) {
      return;
    }
    for (const binding of valid.bindings) {
      const entry = this.#entries.get(binding);
      if (entry) {
        this.#deps.index.remove(entry);
        this.#entries.delete(binding);
      }
    }
    const subscribed = [...this.#entries.keys()];
    this.#reply(requestId, "success", { unsubscribed: valid.bindings, subscribed });
  }

  /** The request's bindings, or undefined after replying with what is wrong. */
  #bindingsOf(data: unknown, requestId: string): BindingsRequest | undefined {
    const read = readBindings(data);
    if ("errors" in read) {
      this.#fail(requestId, read.errors);
      return undefined;
    }
    return read;
  }

  #accountOf(requested: unknown, requestId: string): string | undefined {
    if (requested === "*") {
      this.#fail(requestId, [wsErrors.wildcardAccount]);
      return undefined;
    }
    const principal = this.#principal;
    if (
      typeof requested !== "string" ||
      !principal ||
      !this.#deps.auth.canAccess(principal, requested)
    ) {
      this.#fail(requestId, [wsErrors.foreignAccount]);
      return undefined;
    }
    return requested;
  }
}
