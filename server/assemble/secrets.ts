/**
 * The `parley` command's token keys: the configured ones, else the installation's own. The
 * command works on a single node's database (it refuses to run against a cluster).
 * @module
 */
import type { Config } from "../config";
import { newSecret, osEntropy } from "../domain/ids";
import { SECRET_KEYS } from "../domain/installation-secrets";
import { getOrCreateSetting } from "../domain/settings";
import type { Db } from "../domain/store";
import { installationKey, type TokenKey } from "../domain/tokens";

/** The configured token keys, else the installation's own. */
export function tokenKeys(db: Db, config: Config): readonly TokenKey[] {
  return (
    config.tokenKeys ?? [
      installationKey(getOrCreateSetting(db, SECRET_KEYS.tokenSecret, () => newSecret(osEntropy))),
    ]
  );
}
