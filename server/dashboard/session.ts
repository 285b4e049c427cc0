/**
 * Who is signed in and how far the live feed got, kept in `sessionStorage`: a reload or a server
 * restart resumes where the tab left off, and closing the tab forgets the token.
 * @module
 */

const keys = {
  token: "parley.token",
  account: "parley.account",
  accountName: "parley.accountName",
  admin: "parley.admin",
  expires: "parley.expires",
  seq: "parley.seq",
} as const;

/** The operator's sign-in and feed position; one per page, handed to whoever needs it. */
export class Session {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** The token every API call and subscription presents; `null` when signed out. */
  get token(): string | null {
    return this.#storage.getItem(keys.token);
  }

  /** The account on screen: the signed-in one, or the one the admin opened (`null` before). */
  get accountId(): string | null {
    return this.#storage.getItem(keys.account);
  }

  get accountName(): string | null {
    return this.#storage.getItem(keys.accountName);
  }

  /** Signed in with the admin token, which reaches every account. */
  get isAdmin(): boolean {
    return this.#storage.getItem(keys.admin) === "1";
  }

  /** When an account's token expires (Unix seconds); `null` for the admin token, which does not. */
  get expiresAt(): number | null {
    const value = this.#storage.getItem(keys.expires);
    return value === null ? null : Number(value);
  }

  /** The last event `seq` seen, so a new socket asks for what it missed (`resume_from`). */
  get lastSeq(): number {
    return Number(this.#storage.getItem(keys.seq) ?? 0);
  }

  /** Signed in with an account's API key, exchanged for `token`. */
  signIn(token: string, account: { id: string; name: string; expiresAt: number }): void {
    this.#storage.clear();
    this.#storage.setItem(keys.token, token);
    this.#storage.setItem(keys.account, account.id);
    this.#storage.setItem(keys.accountName, account.name);
    this.#storage.setItem(keys.expires, String(account.expiresAt));
  }

  /**
   * A new token for the same account (its key was rotated, which retires the old token): the
   * feed position and everything else stay.
   */
  renew(token: string, expiresAt: number): void {
    this.#storage.setItem(keys.token, token);
    this.#storage.setItem(keys.expires, String(expiresAt));
  }

  /** Signed in with the admin token; no account is open until {@link openAccount}. */
  signInAdmin(token: string): void {
    this.#storage.clear();
    this.#storage.setItem(keys.token, token);
    this.#storage.setItem(keys.admin, "1");
  }

  /** The admin opens an account: its feed starts from its present, not another account's seq. */
  openAccount(account: { id: string; name: string }): void {
    this.#storage.setItem(keys.account, account.id);
    this.#storage.setItem(keys.accountName, account.name);
    this.#storage.removeItem(keys.seq);
  }

  /** Records a seen `seq`; only ever moves forward, so a resume never replays what was shown. */
  advance(seq: number): void {
    if (seq > this.lastSeq) {
      this.#storage.setItem(keys.seq, String(seq));
    }
  }

  signOut(): void {
    this.#storage.clear();
  }
}
