/**
 * Whether this node has caught up with the replicated log. A stream has no "you are at the end"
 * signal, so on each (re)connect the node appends a join entry of its own and is caught up once
 * it has applied it: everything appended before the join is then applied too. The join carries
 * the node's proposal for the installation's secrets (the first join in the log decides them).
 * `/readyz` answers 200 only while following.
 * @module
 */

/**
 * `following`: caught up and applying as entries come; `catching_up`: connected, applying what
 * it missed; `unreachable`: no connection to the log; `broken`: the log no longer holds entries
 * this node needs (start it from a snapshot).
 */
export type LogState = "following" | "catching_up" | "unreachable" | "broken";

export interface CatchUpDeps {
  /** Appends this node's join entry and resolves once this node applied it. */
  join(): Promise<void>;
  /** Why the log cannot be followed any more, if so. */
  broken(): Error | undefined;
  /** How long to wait before trying the join again after it failed. */
  retryMs?: number;
  onError(error: unknown): void;
}

export class CatchUp {
  readonly #deps: CatchUpDeps;
  #state: "following" | "catching_up" | "unreachable" = "unreachable";
  /** Bumped on every connect and loss: a join from an older connection decides nothing. */
  #generation = 0;
  #retry: NodeJS.Timeout | undefined;
  #settled: Array<() => void> = [];

  constructor(deps: CatchUpDeps) {
    this.#deps = deps;
  }

  get state(): LogState {
    return this.#deps.broken() ? "broken" : this.#state;
  }

  /** The log is reachable (again): join, and follow once the join is applied. */
  connected(): void {
    this.#generation += 1;
    this.#state = "catching_up";
    this.#join(this.#generation);
  }

  /** The connection is gone: not ready until the next join is applied. */
  lost(): void {
    this.#generation += 1;
    clearTimeout(this.#retry);
    this.#state = "unreachable";
    this.#settle();
  }

  /** Resolves once following, or once it is clear this will not happen soon (lost, broken). */
  settled(): Promise<void> {
    if (this.#state !== "catching_up" || this.#deps.broken()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** The log broke: whoever waits for the catch-up stops waiting. */
  broke(): void {
    clearTimeout(this.#retry);
    this.#settle();
  }

  stop(): void {
    this.lost();
  }

  #join(generation: number): void {
    this.#deps.join().then(
      () => {
        if (generation === this.#generation) {
          this.#state = "following";
          this.#settle();
        }
      },
      (error: unknown) => {
        if (generation !== this.#generation) {
          return;
        }
        this.#deps.onError(error);
        if (this.#deps.broken()) {
          this.#settle();
          return;
        }
        this.#retry = setTimeout(() => {
          if (generation === this.#generation) {
            this.#join(generation);
          }
        }, this.#deps.retryMs ?? 1000);
        this.#retry.unref();
      },
    );
  }

  #settle(): void {
    const waiting = this.#settled;
    this.#settled = [];
    for (const resolve of waiting) {
      resolve();
    }
  }
}
