/**
 * Accounts (tenants) and their API keys. Keys are shown once, at creation or rotation, and
 * stored only as digests.
 * @module
 */
import { asc, eq, sql } from "drizzle-orm";
import { accounts, apiKeys } from "../db/schema";
import { badIdentifier, validationFailed } from "./errors";
import { type Entropy, newId, newSecret, sha256Hex } from "./ids";
import type { Db } from "./store";

/** An account as the API shows it. */
export interface Account {
  id: string;
  name: string;
  created: number;
  /** Shared secret for the account's bbb-webhooks-compatible hooks API and checksums. */
  bbb_secret: string;
}

/** An account found by its API key, with the id of that key (tokens exchanged with it name it). */
export interface KeyHolder extends Account {
  keyId: string;
}

/** A freshly created account with the one copy of its API key parley will ever show. */
export interface CreatedAccount extends Account {
  api_key: string;
}

/** Creates, reads and authenticates accounts. */
export interface AccountService {
  /** Creates an account; `id` may be given to match the media platform's account id. */
  create(name: string, id?: string): CreatedAccount;
  /**
   * Creates an account whose API key was drawn where the request arrived: only its digest is
   * written (and travels in the replicated log), the key itself is answered once.
   */
  createWithKeyDigest(name: string, id: string | undefined, keyDigest: string): Account;
  /**
   * Replaces the account's API key by the one with `keyDigest` (drawn where the request arrived,
   * as at creation): the old key stops being exchangeable at once, and the tokens exchanged
   * with it stop being accepted (they name their key). Answers the new key's id.
   */
  rotateKey(accountId: string, keyDigest: string): { account: Account; keyId: string };
  list(): Account[];
  get(id: string): Account | undefined;
  /** The account an API key belongs to, if any, with the key's id. */
  findByApiKey(apiKey: string): KeyHolder | undefined;
  /**
   * Whether `keyId` is the account's API key now, asked on every authenticated request: a token
   * naming another key was exchanged for a key since replaced. Answered from memory, read again
   * from the database each second, so a key rotated by `parley accounts rotate-key` beside a
   * running server is seen within a second.
   */
  isCurrentKey(accountId: string, keyId: string): boolean;
  /** The oldest account, used by the simulator to pick a tenant. */
  first(): Account | undefined;
}

function toAccount(row: typeof accounts.$inferSelect): Account {
  return { id: row.id, name: row.name, created: row.createdAt, bbb_secret: row.bbbSecret ?? "" };
}

const MAX_KNOWN_ACCOUNTS = 10_000;
/** How long a remembered key id is trusted before the database is asked again. */
const KEY_ID_FRESH_MS = 1000;

export function createAccountService({
  db,
  now,
  entropy,
}: {
  db: Db;
  now: () => number;
  /** Ids and API keys come from it (the applied log entry's, on every node alike). */
  entropy: Entropy;
}): AccountService {
  // Read for every ingested event and every authenticated request: prepared once.
  const byId = db
    .select()
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder("id")))
    .prepare();
  // Accounts are created, never changed or removed: one found stays valid, so the lookup every
  // authenticated request makes is answered from memory after the first.
  const known = new Map<string, Account>();
  // Each account's current key id, also read on every authenticated request. A rotation through
  // the API is applied here on every node; one written beside a running server by
  // `parley accounts rotate-key` is seen once the entry is older than KEY_ID_FRESH_MS.
  const keyIds = new Map<string, { id: string; readAt: number }>();
  const keyOf = db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(eq(apiKeys.accountId, sql.placeholder("accountId")))
    .orderBy(asc(apiKeys.createdAt))
    .limit(1)
    .prepare();
  return {
    create(name, id) {
      const apiKey = newSecret(entropy);
      return { ...this.createWithKeyDigest(name, id, sha256Hex(apiKey)), api_key: apiKey };
    },
    createWithKeyDigest(name, id, keyDigest) {
      if (id && db.select().from(accounts).where(eq(accounts.id, id)).get()) {
        throw validationFailed({
          id: { unique: { message: "Account id already in use", cause: id } },
        });
      }
      const account = {
        id: id ?? newId(entropy),
        name,
        bbbSecret: newSecret(entropy, 20),
        createdAt: now(),
      };
      db.transaction((tx) => {
        tx.insert(accounts).values(account).run();
        tx.insert(apiKeys)
          .values({
            id: newId(entropy),
            accountId: account.id,
            keyHash: keyDigest,
            createdAt: account.createdAt,
          })
          .run();
      });
      return toAccount(account);
    },
    rotateKey(accountId, keyDigest) {
      const account = this.get(accountId);
      if (!account) {
        throw badIdentifier(accountId);
      }
      const keyId = newId(entropy);
      db.transaction((tx) => {
        tx.delete(apiKeys).where(eq(apiKeys.accountId, accountId)).run();
        tx.insert(apiKeys)
          .values({ id: keyId, accountId, keyHash: keyDigest, createdAt: now() })
          .run();
      });
      keyIds.set(accountId, { id: keyId, readAt: now() });
      return { account, keyId };
    },
    isCurrentKey(accountId, keyId) {
      const at = now();
      let known = keyIds.get(accountId);
      if (!known || at - known.readAt > KEY_ID_FRESH_MS) {
        const id = keyOf.get({ accountId })?.id;
        if (id === undefined) {
          return false;
        }
        if (keyIds.size >= MAX_KNOWN_ACCOUNTS) {
          keyIds.clear();
        }
        known = { id, readAt: at };
        keyIds.set(accountId, known);
      }
      return known.id === keyId;
    },
    list() {
      return db.select().from(accounts).orderBy(asc(accounts.createdAt)).all().map(toAccount);
    },
    get(id) {
      const cached = known.get(id);
      if (cached) {
        return cached;
      }
      const row = byId.get({ id });
      if (!row) {
        return undefined;
      }
      if (known.size >= MAX_KNOWN_ACCOUNTS) {
        known.clear();
      }
      const account = toAccount(row);
      known.set(id, account);
      return account;
    },
    findByApiKey(apiKey) {
      const row = db
        .select({ account: accounts, keyId: apiKeys.id })
        .from(apiKeys)
        .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
        .where(eq(apiKeys.keyHash, sha256Hex(apiKey)))
        .get();
      return row && { ...toAccount(row.account), keyId: row.keyId };
    },
    first() {
      const row = db.select().from(accounts).orderBy(asc(accounts.createdAt)).limit(1).get();
      return row && toAccount(row);
    },
  };
}
