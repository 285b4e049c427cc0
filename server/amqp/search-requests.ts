/**
 * Request/reply for Kazoo's conference search, whatever carries it: publishes each query, ties
 * every answer on parley's reply queue to its query by `Msg-ID` (ecallmgr copies the request's),
 * and resolves after the timeout with what arrived, as crossbar's `call_collect` does. An answer
 * that cannot be read is dead-lettered with its reason and never reaches the domain.
 * @module
 */
import { parseSearchReply, type SearchRequest, searchRequest } from "../../protocol/discovery";
import { DomainError } from "../domain/errors";
import type { SearchOutcome, SearchQuery, SearchResult } from "../domain/media-search";
import type { Logger } from "../logger";

export interface SearchRequestsDeps {
  logger: Logger;
  appVersion: string;
  /** The reply queue's name (`Server-ID`); undefined while the transport is down. */
  replyTo(): string | undefined;
  /** Sends one `search_req`; throws when it cannot. */
  send(request: SearchRequest): Promise<void>;
  /** Dead-letters an answer parley could not read. */
  refuse(body: Buffer, reason: string): void;
  /** Told about each refused answer (metrics). */
  observeRefused?(reason: string): void;
}

export interface SearchRequests {
  search(queries: SearchQuery[], timeoutMs: number): Promise<SearchOutcome>;
  /** Hands over one message from the reply queue. */
  deliver(body: Buffer): void;
  /** Resolves every pending search now. */
  close(): void;
}

interface Pending {
  results: Map<string, SearchResult>;
  strays: number;
  finish(): void;
}

export function createSearchRequests(deps: SearchRequestsDeps): SearchRequests {
  const { logger } = deps;
  const byMsgId = new Map<string, { pending: Pending; result: SearchResult }>();
  const open = new Set<Pending>();

  return {
    async search(queries, timeoutMs) {
      const replyTo = deps.replyTo();
      if (!replyTo) {
        throw new DomainError("service_unavailable", {
          message: "message broker unavailable; the media servers cannot be asked",
        });
      }
      let finish = () => {};
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const pending: Pending = { results: new Map(), strays: 0, finish };
      for (const query of queries) {
        const result: SearchResult = { query, replies: [], unreadable: 0 };
        pending.results.set(query.msgId, result);
        byMsgId.set(query.msgId, { pending, result });
      }
      open.add(pending);
      const timer = setTimeout(finish, timeoutMs);
      try {
        await Promise.all(
          queries.map((query) =>
            deps.send(searchRequest(query, replyTo, { name: "parley", version: deps.appVersion })),
          ),
        );
        await done;
      } finally {
        clearTimeout(timer);
        open.delete(pending);
        for (const query of queries) {
          byMsgId.delete(query.msgId);
        }
      }
      return {
        results: [...pending.results.values()],
        strays: pending.strays,
        interrupted: deps.replyTo() !== replyTo,
      };
    },
    deliver(body) {
      const parsed = parseSearchReply(body);
      if (parsed.ok) {
        const target = byMsgId.get(parsed.reply.msgId);
        if (target) {
          target.result.replies.push(parsed.reply);
        } else {
          logger.debug({ msg_id: parsed.reply.msgId }, "late or unknown search reply ignored");
        }
        return;
      }
      logger.warn({ reason: parsed.reason, msg_id: parsed.msgId }, "search reply dead-lettered");
      deps.observeRefused?.(parsed.reason);
      deps.refuse(body, parsed.reason);
      const target = parsed.msgId === undefined ? undefined : byMsgId.get(parsed.msgId);
      if (target) {
        target.result.unreadable += 1;
      } else {
        for (const pending of open) {
          pending.strays += 1;
        }
      }
    },
    close() {
      for (const pending of open) {
        pending.finish();
      }
    },
  };
}
