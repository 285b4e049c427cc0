/**
 * The spellings of webhook targets the SSRF tests run through the API and the sender: every
 * forbidden address in the textual forms a URL, the URL parser or a resolver may give it, and a
 * few public ones the guard must accept.
 */

/**
 * One spelling of a forbidden target: `host` as written in a URL, `address` as a resolver may
 * answer it (so a DNS name can stand for the same target), and the reason the refusal must name.
 */
export interface Form {
  host: string;
  address?: string;
  reason: RegExp;
  /** Reaches the loopback receiver when the guard is off (the literal sender test's control). */
  reachesLoopback?: boolean;
}

const LOOPBACK4 = /a loopback address \(127\.0\.0\.1[,)]/;
const LOOPBACK6 = /a loopback address \(::1[,)]/;
const METADATA = /a link-local address \(169\.254\.169\.254[,)].*cloud metadata/;
const EMBEDS_LOOPBACK = /embedding a loopback address \(127\.0\.0\.1\)/;

export const FORBIDDEN: Form[] = [
  { host: "127.0.0.1", address: "127.0.0.1", reason: LOOPBACK4, reachesLoopback: true },
  { host: "2130706433", reason: LOOPBACK4, reachesLoopback: true },
  { host: "0x7f000001", reason: LOOPBACK4, reachesLoopback: true },
  { host: "0x7F.1", reason: LOOPBACK4, reachesLoopback: true },
  { host: "0177.0.0.1", reason: LOOPBACK4, reachesLoopback: true },
  { host: "017700000001", reason: LOOPBACK4, reachesLoopback: true },
  { host: "127.1", reason: LOOPBACK4, reachesLoopback: true },
  { host: "127.0.0.1.", reason: LOOPBACK4, reachesLoopback: true },
  { host: "127.255.255.254", address: "127.255.255.254", reason: /a loopback address/ },
  { host: "[::1]", address: "::1", reason: LOOPBACK6 },
  { host: "[0:0:0:0:0:0:0:1]", address: "0:0:0:0:0:0:0:1", reason: LOOPBACK6 },
  {
    host: "[::ffff:127.0.0.1]",
    address: "::ffff:127.0.0.1",
    reason: LOOPBACK4,
    reachesLoopback: true,
  },
  { host: "[::ffff:7f00:1]", address: "::ffff:7f00:1", reason: LOOPBACK4, reachesLoopback: true },
  { host: "[0:0:0:0:0:ffff:7f00:1]", address: "0:0:0:0:0:ffff:7f00:1", reason: LOOPBACK4 },
  { host: "[::FFFF:7F00:0001]", address: "::FFFF:7F00:0001", reason: LOOPBACK4 },
  { host: "[::127.0.0.1]", address: "::127.0.0.1", reason: /IPv4-compatible.*embedding a loop/ },
  { host: "[::ffff:0:127.0.0.1]", address: "::ffff:0:7f00:1", reason: /IPv4-translated.*embed/ },
  { host: "[64:ff9b::7f00:1]", address: "64:ff9b::7f00:1", reason: /NAT64.*embedding a loop/ },
  { host: "[64:ff9b::8.8.8.8]", address: "64:ff9b::808:808", reason: /a NAT64 address/ },
  { host: "[64:ff9b:1::a9fe:a9fe]", address: "64:ff9b:1::a9fe:a9fe", reason: /a NAT64 address/ },
  { host: "[2002:7f00:1::]", address: "2002:7f00:1::", reason: /a 6to4 .*embedding a loopback/ },
  { host: "[2002:a9fe:a9fe::1]", address: "2002:a9fe:a9fe::1", reason: /6to4.*embedding a link/ },
  { host: "[2002:808:808::1]", address: "2002:808:808::1", reason: /a 6to4 address/ },
  // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted in the last 32 bits.
  {
    host: "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    address: "2001:0:4136:e378:8000:63bf:80ff:fffe",
    reason: new RegExp(`a Teredo address.*${EMBEDS_LOOPBACK.source}`),
  },
  {
    host: "[2001:0:7f00:1::1]",
    address: "2001:0:7f00:1:0:0:0:1",
    reason: /Teredo.*embedding a loop/,
  },
  { host: "[fe80::1]", address: "fe80::1", reason: /a link-local address \(fe80::1\)/ },
  { host: "[fc00::1]", address: "fc00::1", reason: /unique-local/ },
  { host: "[fd12:3456::1]", address: "fd12:3456::1", reason: /unique-local/ },
  { host: "[fec0::1]", address: "fec0::1", reason: /site-local/ },
  { host: "[ff02::1]", address: "ff02::1", reason: /a multicast address/ },
  { host: "[::]", address: "::", reason: /an unspecified address \(::\)/ },
  { host: "[2001:db8::1]", address: "2001:db8::1", reason: /a reserved address/ },
  { host: "[2001:2::1]", address: "2001:2::1", reason: /a benchmarking address/ },
  { host: "[100::1]", address: "100::1", reason: /a discard-only address/ },
  { host: "[4000::1]", address: "4000::1", reason: /an unallocated address/ },
  { host: "0.0.0.0", address: "0.0.0.0", reason: /an unspecified address \(0\.0\.0\.0\)/ },
  { host: "0", reason: /an unspecified address \(0\.0\.0\.0\)/ },
  { host: "169.254.169.254", address: "169.254.169.254", reason: METADATA },
  { host: "2852039166", reason: METADATA },
  { host: "0xa9fea9fe", reason: METADATA },
  { host: "0xA9.0xFE.0xA9.0xFE", reason: METADATA },
  { host: "[::ffff:169.254.169.254]", address: "::ffff:a9fe:a9fe", reason: METADATA },
  { host: "100.64.0.1", address: "100.64.0.1", reason: /a carrier-grade NAT address/ },
  { host: "192.168.0.1", address: "192.168.0.1", reason: /a private address \(192\.168/ },
  { host: "10.0.0.1", address: "10.0.0.1", reason: /a private address \(10\.0\.0\.1\)/ },
  { host: "012.0.0.1", reason: /a private address \(10\.0\.0\.1\)/ },
  { host: "172.16.0.1", address: "172.16.0.1", reason: /a private address \(172\.16/ },
  { host: "198.18.0.1", address: "198.18.0.1", reason: /a reserved address/ },
  { host: "192.0.2.1", address: "192.0.2.1", reason: /a reserved address/ },
  { host: "224.0.0.1", address: "224.0.0.1", reason: /a multicast address/ },
  { host: "255.255.255.255", address: "255.255.255.255", reason: /a broadcast address/ },
  { host: "localhost", reason: /a loopback name \(localhost\)/, reachesLoopback: true },
  { host: "LOCALHOST.", reason: /a loopback name \(localhost\.\)/ },
  { host: "foo.localhost", reason: /a loopback name \(foo\.localhost\)/ },
  { host: "Foo.LocalHost.", reason: /a loopback name \(foo\.localhost\.\)/ },
];

/** How every refusal ends: what to set when the private target is meant. */
export const HINT = /; set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow$/;

/** Public targets in several spellings: the guard must not simply refuse everything. */
export const ALLOWED_HOSTS = [
  "8.8.8.8",
  "134744072",
  "0x8.0x8.0x8.0x8",
  "[2606:4700::1111]",
  "[2001:4860:4860:0:0:0:0:8888]",
  "[::ffff:8.8.8.8]",
];
/** Public addresses as a resolver may answer them (a name resolving to each is accepted). */
export const ALLOWED_ADDRESSES = ["93.184.215.14", "2606:4700::1111", "::ffff:808:808"];
