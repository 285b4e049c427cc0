/**
 * The SSRF guard at connect time: a DNS `lookup` for the webhook agents that refuses any answer
 * holding a private address, so a name re-pointed after its subscription was saved still cannot
 * reach one. Node connects to IP literals without a lookup; `literalProblem` checks those.
 * @module
 */
import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { addressesProblem, addressProblem, type ResolveHost } from "./ssrf";

type Resolved = Array<{ address: string; family: number }>;

export interface GuardOptions {
  allowPrivate: boolean;
  /** Resolves host names instead of DNS (tests of the SSRF guard). */
  resolveHost?: ResolveHost;
}

/** A `lookup` that fails for names resolving to a private address (unless allowed). */
export function guardedLookup(options: GuardOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(options, hostname, lookupOptions, (error, list) => {
      if (error) {
        callback(error, "", 4);
        return;
      }
      if (list.length === 0) {
        // An empty answer must not fall through to a connect to "" (which Node reads as this host).
        callback(new Error(`no address found for ${hostname}`), "", 4);
        return;
      }
      const problem = options.allowPrivate
        ? undefined
        : addressesProblem(list.map((a) => a.address));
      if (problem) {
        callback(
          new Error(`refusing to connect to a private address for ${hostname}: ${problem}`),
          "",
          4,
        );
        return;
      }
      if (lookupOptions.all) {
        (callback as unknown as (e: null, a: Resolved) => void)(null, list);
        return;
      }
      const first = list[0];
      callback(null, first?.address ?? "", first?.family ?? 4);
    });
  };
}

/** Why the URL's host, when it is an IP literal, may not be reached; undefined when it may. */
export function literalProblem(url: URL, allowPrivate: boolean): string | undefined {
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  const problem = allowPrivate || !isIP(literal) ? undefined : addressProblem(literal);
  return problem && `refusing to connect to a private address for ${literal}: ${problem}`;
}

function resolve(
  options: GuardOptions,
  hostname: string,
  lookupOptions: Parameters<LookupFunction>[1],
  done: (error: Error | null, list: Resolved) => void,
): void {
  if (options.resolveHost) {
    options.resolveHost(hostname).then(
      (list) =>
        done(
          null,
          list.map((address) => ({ address, family: isIP(address) || 4 })),
        ),
      (error: Error) => done(error, []),
    );
    return;
  }
  dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) =>
    done(error, addresses as unknown as Resolved),
  );
}
