/**
 * The installation's secrets: the admin token's digest, the secret that signs auth tokens and the
 * one that signs download links. In a cluster every node must hold the same ones, so they are
 * not drawn by each node: each node proposes values in its `node.join` log entry (the ones it
 * already has, else fresh ones) and the first join in the log decides for every node. A node
 * learns them when it applies that entry; until then it signs nothing and is not ready.
 * @module
 */
import { newSecret, osEntropy, sha256Hex } from "./ids";
import { getSetting } from "./settings";
import type { Db, SqlStore } from "./store";
import { installationKey, type TokenKey } from "./tokens";

/** What this node was configured with (both optional: unset means the cluster's own). */
export interface ConfiguredSecrets {
  adminToken: string | undefined;
  tokenKeys: readonly TokenKey[] | undefined;
}

/** What a node proposes in its join entry (digests and secrets, never the admin token itself). */
export interface SecretsProposal {
  adminTokenHash: string;
  tokenSecret: string;
  urlSecret: string;
}

/** The `settings` keys the decided secrets are kept under. */
export const SECRET_KEYS = {
  adminTokenHash: "admin_token_hash",
  tokenSecret: "token_secret",
  urlSecret: "url_secret",
} as const;

/** The secrets this node uses, learnt from the log (or configured). */
export class InstallationSecrets {
  readonly #config: ConfiguredSecrets;
  readonly #decidedKey: string;
  #stored: SecretsProposal | undefined;
  #keys: readonly TokenKey[] | undefined;
  /** The admin token this node drew for its proposal (printed only if the proposal won). */
  #drawnAdminToken: string | undefined;
  #announced = false;

  /**
   * @param decidedKey the `settings` key that records that the log decided the secrets (one
   *   per log, like the position: a node moved into a cluster takes the cluster's secrets).
   */
  constructor(sqlite: SqlStore, config: ConfiguredSecrets, decidedKey: string) {
    this.#config = config;
    this.#decidedKey = decidedKey;
    const read = (key: string) =>
      (
        sqlite.prepare("SELECT value FROM settings WHERE key = ?").get(key) as
          | { value: string }
          | undefined
      )?.value;
    if (read(decidedKey)) {
      this.#adopt({
        adminTokenHash: read(SECRET_KEYS.adminTokenHash) ?? "",
        tokenSecret: read(SECRET_KEYS.tokenSecret) ?? "",
        urlSecret: read(SECRET_KEYS.urlSecret) ?? "",
      });
    }
  }

  /** SHA-256 hex of the admin token: the configured one, else the cluster's. */
  adminTokenHash(): string | undefined {
    return this.#config.adminToken
      ? sha256Hex(this.#config.adminToken)
      : this.#stored?.adminTokenHash;
  }

  /** The keys tokens are signed and verified with: the configured ones, else the cluster's. */
  tokenKeys(): readonly TokenKey[] | undefined {
    return this.#config.tokenKeys ?? this.#keys;
  }

  urlSecret(): string | undefined {
    return this.#stored?.urlSecret;
  }

  /** What this node proposes: what its database already holds, else fresh values. */
  proposal(db: Db): SecretsProposal {
    const stored = (key: string) => getSetting(db, key);
    let adminTokenHash = this.#config.adminToken
      ? sha256Hex(this.#config.adminToken)
      : stored(SECRET_KEYS.adminTokenHash);
    if (!adminTokenHash) {
      this.#drawnAdminToken ??= newSecret(osEntropy);
      adminTokenHash = sha256Hex(this.#drawnAdminToken);
    }
    return {
      adminTokenHash,
      tokenSecret: stored(SECRET_KEYS.tokenSecret) ?? newSecret(osEntropy),
      urlSecret: stored(SECRET_KEYS.urlSecret) ?? newSecret(osEntropy),
    };
  }

  /**
   * Applies a join entry's proposal (every node, in log order): the first one decides, later ones
   * change nothing. Returns the secrets in force.
   */
  decide(sqlite: SqlStore, proposal: SecretsProposal): SecretsProposal {
    const decided = sqlite.prepare("SELECT 1 FROM settings WHERE key = ?").get(this.#decidedKey);
    if (!decided) {
      const put = sqlite.prepare(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      );
      for (const [field, key] of Object.entries(SECRET_KEYS)) {
        put.run(key, proposal[field as keyof SecretsProposal]);
      }
      put.run(this.#decidedKey, "1");
      this.#adopt(proposal);
    }
    return this.#stored ?? proposal;
  }

  /**
   * The admin token this node generated, once the log made it the cluster's (shown once, on
   * the start that generated it); undefined otherwise.
   */
  takeGeneratedAdminToken(): string | undefined {
    const token = this.#drawnAdminToken;
    if (
      this.#announced ||
      !token ||
      this.#config.adminToken ||
      this.#stored?.adminTokenHash !== sha256Hex(token)
    ) {
      return undefined;
    }
    this.#announced = true;
    return token;
  }

  #adopt(secrets: SecretsProposal): void {
    this.#stored = secrets;
    this.#keys = [installationKey(secrets.tokenSecret)];
  }
}
