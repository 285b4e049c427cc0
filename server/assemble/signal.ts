/**
 * A typed one-to-many notification between parts built at different times: the part that emits
 * exists first, the ones that listen join when they are built. It replaces forward references
 * (a `let gateway` filled in later) in the composition root.
 * @module
 */
export class Signal<Args extends unknown[]> {
  readonly #listeners = new Set<(...args: Args) => void>();

  emit(...args: Args): void {
    for (const listener of this.#listeners) {
      listener(...args);
    }
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: (...args: Args) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
