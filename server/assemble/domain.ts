/**
 * The domain services every edge shares: accounts and auth, conference documents and their live
 * state, the session log and signed links. Pure construction over the store: nothing here starts
 * a timer or opens a socket, so it needs no stopping.
 * @module
 */
import type { Config } from "../config";
import type { Store } from "../db/open";
import { type AccountService, createAccountService } from "../domain/accounts";
import { type Authenticator, createAuthenticator } from "../domain/auth";
import { type ConferenceViews, createConferenceViews } from "../domain/conference-views";
import {
  type ConferenceChange,
  type ConferenceService,
  createConferenceService,
} from "../domain/conferences";
import type { Entropy } from "../domain/ids";
import type { InstallationSecrets } from "../domain/installation-secrets";
import { createLiveState, type LiveState } from "../domain/live-state";
import { createSessionHistory, type SessionHistory } from "../domain/session-history";
import { createSessionLog, type SessionLog } from "../domain/session-log";
import { createUrlSigner, type UrlSigner } from "../domain/signed-urls";
import {
  createDeferredTokenService,
  createTokenService,
  type TokenKey,
  type TokenService,
} from "../domain/tokens";
import { Signal } from "./signal";

export interface DomainPart {
  accounts: AccountService;
  tokens: TokenService;
  auth: Authenticator;
  conferences: ConferenceService;
  /** Conference documents created, changed or deleted through the API (webhooks listen). */
  conferenceChanges: Signal<[ConferenceChange]>;
  live: LiveState;
  views: ConferenceViews;
  sessions: SessionLog;
  /** Reads the sessions and their participants (the history API). */
  history: SessionHistory;
  signer: UrlSigner;
  /** Sets where clients reach parley, once it listens (signed links carry it). */
  setPublicUrl(url: string): void;
}

/**
 * Accounts and the tokens they sign in with: what the server's edges and the `parley` command
 * (`accounts create`, `token`) both need, built the same way for both.
 */
export function assembleIdentity(
  config: Config,
  deps: { store: Store; tokenKeys: readonly TokenKey[]; now: () => number; entropy: Entropy },
): { accounts: AccountService; tokens: TokenService } {
  return {
    accounts: createAccountService({ db: deps.store.db, now: deps.now, entropy: deps.entropy }),
    tokens: createTokenService({
      keys: deps.tokenKeys,
      ttlSeconds: config.tokenTtlSeconds,
      now: deps.now,
    }),
  };
}

export function assembleDomain(
  config: Config,
  deps: { store: Store; secrets: InstallationSecrets; now: () => number; entropy: Entropy },
): DomainPart {
  const { store, secrets, now, entropy } = deps;
  const { db, sqlite } = store;
  const accounts = createAccountService({ db, now, entropy });
  const tokens = createDeferredTokenService({
    keys: () => secrets.tokenKeys(),
    ttlSeconds: config.tokenTtlSeconds,
    now,
  });
  const conferenceChanges = new Signal<[ConferenceChange]>();
  const conferences = createConferenceService({
    db,
    now,
    entropy,
    onChange: (change) => conferenceChanges.emit(change),
  });
  const live = createLiveState({ db });
  let publicUrl = config.publicUrl ?? "";
  return {
    accounts,
    tokens,
    auth: createAuthenticator({
      adminTokenHash: () => secrets.adminTokenHash(),
      tokens,
      accounts,
      now,
    }),
    conferences,
    conferenceChanges,
    live,
    views: createConferenceViews({ conferences, live, now }),
    sessions: createSessionLog(sqlite),
    history: createSessionHistory(sqlite),
    signer: createUrlSigner({
      secret: () => secrets.urlSecret(),
      baseUrl: () => publicUrl,
      now,
    }),
    setPublicUrl(url) {
      publicUrl = config.publicUrl ?? url;
    },
  };
}
