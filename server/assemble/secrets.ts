/**
 * The installation's secrets: the admin token (given, or generated on first start and kept as a
 * digest), the keys that sign auth tokens, and the key that signs download links. Generated ones
 * live in the `settings` table so every restart, and the CLI, agree on them.
 * @module
 */
import type { Config } from "../config";
import { newSecret, osEntropy, sha256Hex } from "../domain/ids";
import { getOrCreateSetting } from "../domain/settings";
import type { Db } from "../domain/store";
import { installationKey, type TokenKey } from "../domain/tokens";

export interface InstallationSecrets {
  adminTokenHash: string;
  /** Set only on the start that generated the admin token: print it once, it is not stored. */
  generatedAdminToken: string | undefined;
  tokenKeys: readonly TokenKey[];
  urlSecret: string;
}

export function loadSecrets(db: Db, config: Config): InstallationSecrets {
  let generatedAdminToken: string | undefined;
  const adminTokenHash = config.adminToken
    ? sha256Hex(config.adminToken)
    : getOrCreateSetting(db, "admin_token_hash", () => {
        generatedAdminToken = newSecret(osEntropy);
        return sha256Hex(generatedAdminToken);
      });
  return {
    adminTokenHash,
    generatedAdminToken,
    tokenKeys: tokenKeys(db, config),
    urlSecret: getOrCreateSetting(db, "url_secret", () => newSecret(osEntropy)),
  };
}

/** The configured token keys, else the installation's own (generated once). */
export function tokenKeys(db: Db, config: Config): readonly TokenKey[] {
  return (
    config.tokenKeys ?? [
      installationKey(getOrCreateSetting(db, "token_secret", () => newSecret(osEntropy))),
    ]
  );
}
