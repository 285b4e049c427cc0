/**
 * Per-key serialisation for work that must await something outside the database between its read
 * and its write (a meeting's `record` change waits for the media server): tasks with the same key
 * run one after another, others freely. A key is forgotten once idle, so the map stays small.
 * @module
 */

/** Runs `task` after every earlier task with the same key has settled; resolves as it does. */
export type SerialRunner = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/** A runner with its own queue per key; a failed task does not stop the ones after it. */
export function serialPerKey(): SerialRunner {
  const tails = new Map<string, Promise<unknown>>();
  return function runInTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) {
        tails.delete(key);
      }
    });
    return run;
  };
}
