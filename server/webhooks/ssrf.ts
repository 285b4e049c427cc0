/**
 * The SSRF guard: webhook URLs must be http(s) and must not reach loopback, private, link-local,
 * carrier-grade NAT, multicast or cloud metadata addresses, checked when a subscription is saved
 * and again at connect time (so a DNS name cannot be re-pointed after the check).
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

const v4Blocks: Array<[number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16 (link-local, cloud metadata)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, broadcast
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

/** True for addresses a webhook must not reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const value = v4ToInt(address);
    return v4Blocks.some(([base, bits]) => value >>> (32 - bits) === base >>> (32 - bits));
  }
  if (family === 6) {
    const ip = address.toLowerCase();
    const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
    if (mapped?.[1]) {
      return isForbiddenAddress(mapped[1]);
    }
    return (
      ip === "::" ||
      ip === "::1" ||
      /^f[cd]/.test(ip) || // fc00::/7 unique local
      /^fe[89ab]/.test(ip) || // fe80::/10 link-local
      /^ff/.test(ip) || // multicast
      ip.startsWith("64:ff9b:") // NAT64 can reach anything
    );
  }
  return true;
}

/** Resolves a host name to its addresses (DNS by default; tests substitute their own). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true })).map((a) => a.address);

/** Why a URL may not be a webhook target, or undefined when it may. */
export async function urlProblem(
  url: string,
  allowPrivate: boolean,
  resolveHost: ResolveHost = resolveWithDns,
): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "must use http or https";
  }
  if (parsed.username || parsed.password) {
    return "must not carry credentials";
  }
  if (allowPrivate) {
    return undefined;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (host === "localhost" || host.endsWith(".localhost")) {
    return "is a loopback address (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow)";
  }
  try {
    addresses = isIP(host) ? [host] : await resolveHost(host);
  } catch {
    // Not resolvable now (DNS down, name not yet published): the connect-time guard still
    // checks every address before any request is sent.
    return undefined;
  }
  if (addresses.some(isForbiddenAddress)) {
    return "resolves to a loopback, private, link-local or metadata address (set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow)";
  }
  return undefined;
}
