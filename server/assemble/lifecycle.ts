/**
 * Start/stop bookkeeping for the composition root: each part, once started, registers how it
 * stops; `stopAll` stops them in reverse order, after a clean run or a start that failed halfway,
 * and goes on past a part that fails to stop (logged), so nothing started is left open.
 * @module
 */
import type { Logger } from "../logger";

export class Lifecycle {
  readonly #stops: Array<{ name: string; stop: () => Promise<void> | void }> = [];
  #stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Records that `name` is running and how to stop it. */
  started(name: string, stop: () => Promise<void> | void): void {
    this.#stops.push({ name, stop });
  }

  /** Stops everything started so far, last first; a second call waits for the first. */
  stopAll(): Promise<void> {
    this.#stopping ??= this.#run();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    for (let part = this.#stops.pop(); part; part = this.#stops.pop()) {
      try {
        await part.stop();
      } catch (error) {
        this.logger.error({ err: error, part: part.name }, `stopping ${part.name} failed`);
      }
    }
  }
}
