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
   * as at creation): the old key stops being exchangeable at once. Tokens already issued keep
   * working until they expire.
   */
  rotateKey(accountId: string, keyDigest: string): Account;
  list(): Account[];
  get(id: string): Account | undefined;
  /** The account an API key belongs to, if any. */
  findByApiKey(apiKey: string): Account | undefined;
  /** The oldest account, used by the simulator to pick a tenant. */
  first(): Account | undefined;
}

function toAccount(row: typeof accounts.$inferSelect): Account {
  return { id: row.id, name: row.name, created: row.createdAt, bbb_secret: row.bbbSecret ?? "" };
}

const MAX_KNOWN_ACCOUNTS = 10_000;

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
      db.transaction((tx) => {
        tx.delete(apiKeys).where(eq(apiKeys.accountId, accountId)).run();
        tx.insert(apiKeys)
          .values({ id: newId(entropy), accountId, keyHash: keyDigest, createdAt: now() })
          .run();
      });
      return account;
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
        .select({ account: accounts })
        .from(apiKeys)
        .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
        .where(eq(apiKeys.keyHash, sha256Hex(apiKey)))
        .get();
      return row && toAccount(row.account);
    },
    first() {
      const row = db.select().from(accounts).orderBy(asc(accounts.createdAt)).limit(1).get();
      return row && toAccount(row);
    },
  };
}
