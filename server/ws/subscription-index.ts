/**
 * Subscriptions indexed by conference and by account, so a fan-out touches only the sockets that
 * asked for an event's conference (or for their whole account), never every socket.
 * @module
 */
import type { Subscription } from "./bindings";

/** One binding of one socket. */
export interface Entry<S> {
  session: S;
  /** The account the socket authenticated as; events of other accounts never match. */
  accountId: string;
  subscription: Subscription;
  /**
   * The `resume_from` it was made with: live events up to it are not pushed, the client has
   * them (it may resume on a node that has not applied them yet, in a cluster).
   */
  after?: number;
}

export class SubscriptionIndex<S> {
  readonly #byConference = new Map<string, Set<Entry<S>>>();
  readonly #byAccount = new Map<string, Set<Entry<S>>>();
  readonly #commandsByConference = new Map<string, Set<Entry<S>>>();

  #bucket(entry: Entry<S>): [Map<string, Set<Entry<S>>>, string] {
    const { subscription } = entry;
    switch (subscription.kind) {
      case "account":
        return [this.#byAccount, entry.accountId];
      case "command":
        return [this.#commandsByConference, subscription.conferenceId];
      case "conference":
        return [this.#byConference, subscription.conferenceId];
    }
  }

  add(entry: Entry<S>): void {
    const [map, key] = this.#bucket(entry);
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(entry);
  }

  remove(entry: Entry<S>): void {
    const [map, key] = this.#bucket(entry);
    const set = map.get(key);
    set?.delete(entry);
    if (set?.size === 0) {
      map.delete(key);
    }
  }

  /** Entries that may want an event of this conference and account. */
  *candidates(conferenceId: string, accountId: string): Iterable<Entry<S>> {
    yield* this.#byConference.get(conferenceId) ?? [];
    yield* this.#byAccount.get(accountId) ?? [];
  }

  /** Entries bound to this conference's commands. */
  commandSubscribers(conferenceId: string): Iterable<Entry<S>> {
    return this.#commandsByConference.get(conferenceId) ?? [];
  }

  /** Number of bindings held (for metrics and tests). */
  get size(): number {
    let total = 0;
    for (const map of [this.#byConference, this.#byAccount, this.#commandsByConference]) {
      for (const set of map.values()) {
        total += set.size;
      }
    }
    return total;
  }
}
