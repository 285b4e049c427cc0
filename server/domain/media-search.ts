/**
 * The question reconciliation asks the media servers, as the domain sees it: which conferences
 * run, and who is in them. RabbitMQ or the embedded bus carries it (Kazoo's `search_req` /
 * `search_resp`); the domain only sees queries and the answers each one got.
 * @module
 */
import type { SearchReply } from "../../protocol/discovery";

/** One `search_req`: a conference, or every conference of an account. */
export type SearchQuery = { msgId: string } & ({ conferenceId: string } | { accountId: string });

/** What one query got before the timeout. */
export interface SearchResult {
  query: SearchQuery;
  /** Readable answers, from every media server that answered. */
  replies: SearchReply[];
  /** Answers that named this query but could not be read (dead-lettered). */
  unreadable: number;
}

/** Everything a batch of queries got. */
export interface SearchOutcome {
  results: SearchResult[];
  /** Unreadable answers that named no query: whom they were meant for is unknown. */
  strays: number;
  /** The transport went down while answers were awaited: silence proves nothing. */
  interrupted: boolean;
}

export interface MediaSearch {
  /**
   * Publishes every query and resolves after `timeoutMs` with the answers each got. Rejects with
   * a `service_unavailable` DomainError when the questions cannot be sent.
   */
  search(queries: SearchQuery[], timeoutMs: number): Promise<SearchOutcome>;
  /** Whether questions can be sent now. */
  ready(): boolean;
  /** Calls `listener` each time the transport is (re)connected: a moment to reconcile. */
  onReady(listener: () => void): () => void;
  /** Ends pending searches at once, with what they have. */
  close(): Promise<void>;
}
