/**
 * A programmable resolver for SSRF tests, passed to `startServer` as the `resolveHost` override:
 * the test decides what each name answers and can re-point a name between the save-time check
 * and the connect-time check, as an attacker controlling a DNS zone would.
 */
import type { ResolveHost } from "../../server/webhooks/ssrf";

export interface FakeDns {
  /** The override for `ServerOverrides.resolveHost` (or `createSender`). */
  resolveHost: ResolveHost;
  /** Makes `name` answer `addresses` from now on (re-points it if it answered before). */
  set(name: string, ...addresses: string[]): void;
}

/** A resolver answering `initial`; unknown names fail as DNS does (`ENOTFOUND`). */
export function fakeDns(initial: Record<string, string[]> = {}): FakeDns {
  const answers = new Map(Object.entries(initial));
  return {
    resolveHost: async (name) => {
      const found = answers.get(name);
      if (!found) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      }
      return [...found];
    },
    set: (name, ...addresses) => {
      answers.set(name, addresses);
    },
  };
}
