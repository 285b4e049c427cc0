/**
 * The conference search on the embedded bus: the same `search_req` and answers as over RabbitMQ,
 * carried in-process to whatever registered as a media server (the built-in simulator, a test).
 * @module
 */
import type { MediaSearch } from "../domain/media-search";
import type { Logger } from "../logger";
import type { MemoryBus } from "./memory-bus";
import { createSearchRequests } from "./search-requests";

/** The `Server-ID` parley gives on the embedded bus. */
const EMBEDDED_REPLY_QUEUE = "parley.embedded.search";

export function createMemorySearch(
  bus: MemoryBus,
  deps: { logger: Logger; appVersion: string; observeRefused?(reason: string): void },
): MediaSearch {
  let closed = false;
  const requests = createSearchRequests({
    logger: deps.logger,
    appVersion: deps.appVersion,
    replyTo: () => (closed ? undefined : EMBEDDED_REPLY_QUEUE),
    async send(request) {
      bus.publishSearch({ ...request }, (body) => requests.deliver(body));
    },
    refuse(body, reason) {
      bus.deadLetter({ routingKey: EMBEDDED_REPLY_QUEUE, body, reason });
    },
    ...(deps.observeRefused ? { observeRefused: deps.observeRefused } : {}),
  });
  return {
    search: (queries, timeoutMs) => requests.search(queries, timeoutMs),
    ready: () => !closed,
    // The embedded bus never disconnects: the start-up round is the only one it prompts.
    onReady: () => () => {},
    async close() {
      closed = true;
      requests.close();
    },
  };
}
