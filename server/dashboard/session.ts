/**
 * Who is signed in and how far the live feed got, kept in `sessionStorage`: a reload or a server
 * restart resumes where the tab left off, and closing the tab forgets the token.
 * @module
 */

const keys = { token: "parley.token", account: "parley.account", seq: "parley.seq" } as const;

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

  get accountId(): string | null {
    return this.#storage.getItem(keys.account);
  }

  /** The last event `seq` seen, so a new socket asks for what it missed (`resume_from`). */
  get lastSeq(): number {
    return Number(this.#storage.getItem(keys.seq) ?? 0);
  }

  signIn(token: string, accountId: string): void {
    this.#storage.setItem(keys.token, token);
    this.#storage.setItem(keys.account, accountId);
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
