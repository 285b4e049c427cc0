/**
 * The SSRF guard: webhook URLs must be http(s) and may reach only public unicast addresses.
 * Addresses are parsed and classified by `ipaddr.js`, so every textual form of an address (the
 * URL parser's normalised IPv4, IPv6 in any compression, IPv4-mapped in hex) is judged by what
 * it is, not by how it is spelled. The same check runs when a subscription is saved and on every
 * address the sender is about to connect to, so a DNS name re-pointed after the save is caught.
 *
 * Policy (anything not listed here as allowed is refused):
 * - allowed: addresses `ipaddr.js` classifies as `unicast` (IPv6 only inside 2000::/3, the only
 *   space IANA allocates for global unicast);
 * - refused: loopback, private, link-local (cloud metadata), unique-local, site-local,
 *   carrier-grade NAT, multicast, broadcast, unspecified, reserved, benchmarking, documentation
 *   and every other special range;
 * - IPv4-mapped (`::ffff:a.b.c.d`, in any spelling) is judged as the IPv4 address it maps;
 * - IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::/96`,
 *   `64:ff9b:1::/48`), 6to4 (`2002::/16`) and Teredo (`2001::/32`) are refused whatever IPv4 they
 *   embed: they are deprecated or tunnel through relays the server does not control, so a public
 *   embedded address proves nothing; the embedded IPv4 is decoded only to name it in the reason.
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What a URL problem tells the operator to do when the target is meant to be private. */
const ALLOW_HINT = "set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow";

// ipaddr.js labels all unlisted IPv6 space `unicast`; IANA allocates global unicast only here.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
// ipaddr.js has no range for the deprecated IPv4-compatible block (RFC 4291 §2.5.5.1).
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/** Words for each range name, as they read in "is a … address". */
const RANGE_WORDS: Record<string, string> = {
  unspecified: "an unspecified",
  broadcast: "a broadcast",
  multicast: "a multicast",
  linkLocal: "a link-local",
  loopback: "a loopback",
  carrierGradeNat: "a carrier-grade NAT",
  private: "a private",
  uniqueLocal: "a unique-local (private)",
  deprecatedSiteLocal: "a site-local (private)",
  reserved: "a reserved",
  benchmarking: "a benchmarking",
  amt: "an AMT",
  as112: "an AS112",
  as112v6: "an AS112",
  discard: "a discard-only",
  deprecatedOrchid: "an ORCHID",
  orchid2: "an ORCHID",
  droneRemoteIdProtocolEntityTags: "a drone remote ID",
  segmentRouting: "a segment-routing",
  ipv4Compatible: "an IPv4-compatible",
  rfc6145: "an IPv4-translated",
  rfc6052: "a NAT64",
  "6to4": "a 6to4",
  teredo: "a Teredo",
  unallocated: "an unallocated",
};

/** The range of an address, refining the two cases where ipaddr.js answers `unicast` too broadly. */
function rangeOf(ip: Address): string {
  const range = ip.range();
  if (range !== "unicast" || ip.kind() === "ipv4") {
    return range;
  }
  const v6 = ip as ipaddr.IPv6;
  if (v6.match(IPV4_COMPATIBLE)) {
    return "ipv4Compatible";
  }
  return v6.match(GLOBAL_UNICAST_V6) ? "unicast" : "unallocated";
}

/**
 * Parses an address Node accepts (`isIP`) as Node will connect to it. Hand-written step:
 * ipaddr.js reads `::a.b.c.d` as IPv4-mapped, whereas Node and the kernel read it as
 * IPv4-compatible (`::7f00:1`), so an IPv6 address's dotted tail is spelled in hex first.
 */
function parsed(address: string): Address | undefined {
  const [bare = "", zone] = address.split("%");
  const hex =
    isIP(bare) === 6
      ? bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_tail, a, b, c, d) =>
          [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)]
            .map((n) => n.toString(16))
            .join(":"),
        )
      : bare;
  try {
    return ipaddr.process(zone === undefined ? hex : `${hex}%${zone}`);
  } catch {
    return undefined;
  }
}

function ipv4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * The IPv4 addresses an IPv6 address of a transition range carries (hand-written: ipaddr.js
 * decodes only the IPv4-mapped form). `64:ff9b:1::/48` places its IPv4 where the operator's
 * prefix length says, so it cannot be decoded from the address alone.
 */
function embeddedIPv4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4[] {
  const p = ip.parts;
  const last = (): ipaddr.IPv4 => ipv4Of(p[6] ?? 0, p[7] ?? 0);
  switch (range) {
    case "ipv4Compatible":
    case "rfc6145":
      return [last()];
    case "rfc6052":
      return p[2] === 0 ? [last()] : [];
    case "6to4":
      return [ipv4Of(p[1] ?? 0, p[2] ?? 0)];
    case "teredo":
      // Teredo server in bits 32–64; client as the last 32 bits, inverted (RFC 4380 §4).
      return [ipv4Of(p[2] ?? 0, p[3] ?? 0), ipv4Of(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff)];
    default:
      return [];
  }
}

function described(range: string, shown: string): string {
  return `${RANGE_WORDS[range] ?? `a ${range}`} address (${shown})`;
}

/**
 * Why a webhook must not connect to `address` ("a loopback address (127.0.0.1)"), or undefined
 * when it is public unicast. `address` is an IP literal as Node's resolver returns it; anything
 * Node would not itself treat as an IP address is refused, so nothing reaches a connect unjudged.
 */
export function addressProblem(address: string): string | undefined {
  const ip = isIP(address) ? parsed(address) : undefined;
  if (!ip) {
    return `not an IP address (${address})`;
  }
  const range = rangeOf(ip);
  if (range === "unicast") {
    return undefined;
  }
  const shown = ip.toString() === address ? address : `${ip.toString()}, written ${address}`;
  const reason = described(range, shown);
  if (ip.kind() === "ipv4") {
    return ip.toString() === "169.254.169.254" ? `${reason}, the cloud metadata service` : reason;
  }
  for (const inner of embeddedIPv4(ip as ipaddr.IPv6, range)) {
    const innerRange = inner.range();
    if (innerRange !== "unicast") {
      return `${reason} embedding ${described(innerRange, inner.toString())}`;
    }
  }
  return reason;
}

/** The first reason among `addresses` not to connect, or undefined when every one is public. */
export function addressesProblem(addresses: readonly string[]): string | undefined {
  for (const address of addresses) {
    const problem = addressProblem(address);
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

/** Names that mean this machine whatever DNS says (RFC 6761 §6.3), compared without trailing dots. */
function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/** Resolves a host name to its addresses (DNS by default; tests substitute their own). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true })).map((a) => a.address);

/**
 * Why a URL may not be a webhook target, or undefined when it may. The host is taken from the
 * WHATWG URL parser, which already turns decimal, octal, hex and short IPv4 forms into dotted
 * quads and compresses IPv6, so only canonical literals and names reach the classification.
 */
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
  if (isIP(host)) {
    const problem = addressProblem(host);
    return problem ? `is ${problem}; ${ALLOW_HINT}` : undefined;
  }
  if (isLoopbackName(host)) {
    return `is a loopback name (${host}); ${ALLOW_HINT}`;
  }
  let addresses: string[];
  try {
    addresses = await resolveHost(host);
  } catch {
    // Not resolvable now (DNS down, name not yet published): the connect-time guard still
    // checks every address before any request is sent.
    return undefined;
  }
  const problem = addressesProblem(addresses);
  return problem ? `resolves to ${problem}; ${ALLOW_HINT}` : undefined;
}
