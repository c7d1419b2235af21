import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * The one rule for every URL the server calls on a user's say-so (a robot's baseUrl and downloadUrl, the alert
 * webhook, media URLs Gewe hands us): link-local, "this network" (0.0.0.0/8) and cloud-metadata addresses are refused
 * unless `[backend] allow_link_local_targets` says otherwise. Loopback and private LAN stay allowed: a self-hosted
 * Gewechat on 127.0.0.1 or 192.168.x.x is normal.
 *
 * It is applied twice: to the URL when it is given (validators, with WHATWG URL parsing, which turns every IPv4
 * spelling — decimal, hex, octal, short forms, full-width digits, a trailing dot — into the dotted form), and to the
 * resolved address when the connection is made (outboundLookup), so a host name that resolves to a refused address
 * (DNS rebinding) is refused too.
 */
export interface OutboundPolicy {
  /** Lift the refusal (for the rare deployment whose Gewe really sits on a link-local address). */
  readonly allowLinkLocal: boolean;
  /**
   * The stricter mode, for targets a user names for the service to push to (outbound webhooks): loopback, private
   * (RFC 1918), CGNAT, ULA, multicast and reserved addresses are refused as well (`localhost` too, by name).
   */
  readonly refusePrivate?: boolean;
}

/** The stable code of a refused target, in validation messages and connection errors. */
export const OUTBOUND_REFUSED_CODE = 'EOUTBOUNDREFUSED';

const DEFAULT_POLICY: OutboundPolicy = Object.freeze({ allowLinkLocal: false });
let current: OutboundPolicy = DEFAULT_POLICY;

/**
 * Sets the policy in force from the loaded config (ConfigModule does this at boot). The DTO validators are static
 * decorators, not injectable, so they read it from here; until it is set the default (refuse) holds.
 */
export function configureOutboundPolicy(policy: OutboundPolicy): void {
  current = Object.freeze({ allowLinkLocal: policy.allowLinkLocal });
}

export function outboundPolicy(): OutboundPolicy {
  return current;
}

const REFUSED = new BlockList();
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local; 169.254.169.254 is AWS/GCP/Azure/Tencent/Huawei metadata
REFUSED.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": 0.0.0.0 reaches the local host on Linux
REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
REFUSED.addSubnet('fe80::', 10, 'ipv6'); // link-local
REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
REFUSED.addAddress('::', 'ipv6'); // unspecified, like 0.0.0.0

/** What the stricter mode (refusePrivate) refuses on top of REFUSED. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4'); // RFC 1918
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4'); // RFC 1918
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4'); // RFC 1918
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // CGNAT (RFC 6598)
PRIVATE.addSubnet('192.0.0.0', 24, 'ipv4'); // IETF protocol assignments
PRIVATE.addSubnet('198.18.0.0', 15, 'ipv4'); // benchmarking
PRIVATE.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
PRIVATE.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, and the broadcast address
PRIVATE.addAddress('::1', 'ipv6'); // loopback
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local (ULA)
PRIVATE.addSubnet('fec0::', 10, 'ipv6'); // site-local (deprecated)
PRIVATE.addSubnet('ff00::', 8, 'ipv6'); // multicast

/** Names that are loopback whatever DNS says (RFC 6761). */
const LOOPBACK_NAME = /(^|\.)localhost$/;

/** Host names of metadata services (they resolve to refused addresses anyway; refusing the name fails early). */
const REFUSED_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

/**
 * The IPv4 address inside an IPv6 one that carries it: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d),
 * NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). null when there is none.
 */
export function embeddedIpv4(ipv6: string): string | null {
  const groups = expandIpv6(ipv6);
  if (!groups) return null;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0) && !(groups[5] === 0 && zeros(6, 7) && groups[7] < 2))
    return v4(groups[6], groups[7]);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6], groups[7]);
  if (groups[0] === 0x2002) return v4(groups[1], groups[2]);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed), or null when it is not one. */
function expandIpv6(address: string): number[] | null {
  let a = address.toLowerCase();
  if (isIP(a) !== 6) return null;
  a = a.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (dotted) {
    const [b0, b1, b2, b3] = dotted.slice(1).map(Number);
    a = a.slice(0, dotted.index) + ((b0 << 8) | b1).toString(16) + ':' + ((b2 << 8) | b3).toString(16);
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t].map((g) => parseInt(g, 16));
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

/** Whether the policy refuses this IP address (any family, any IPv6 form that embeds an IPv4 address). */
export function isRefusedAddress(address: string, policy: OutboundPolicy = current): boolean {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 0) return false;
  const lists = [...(policy.allowLinkLocal ? [] : [REFUSED]), ...(policy.refusePrivate ? [PRIVATE] : [])];
  if (!lists.length) return false;
  if (family === 4) return lists.some((l) => l.check(ip, 'ipv4'));
  const bare = ip.replace(/%.*$/, '');
  if (lists.some((l) => l.check(bare, 'ipv6'))) return true;
  const v4 = embeddedIpv4(ip);
  return v4 !== null && lists.some((l) => l.check(v4, 'ipv4'));
}

/** Whether the policy refuses this host name or IP literal as it appears in a URL (brackets, trailing dots). */
export function isRefusedHost(hostname: string, policy: OutboundPolicy = current): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '');
  if (isIP(host)) return isRefusedAddress(host, policy);
  if (policy.refusePrivate && LOOPBACK_NAME.test(host)) return true;
  return !policy.allowLinkLocal && REFUSED_NAMES.has(host);
}

/**
 * Checks a URL the server is asked to call: http(s), and not at a refused host. Returns a message naming `field`,
 * or null when the URL may be called. (Other rules of a field — no credentials, no query — belong to its validator.)
 */
export function checkOutboundUrl(value: string, field: string, policy: OutboundPolicy = current): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be an absolute http(s) URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${field} must use http or https`;
  if (!url.hostname) return `${field} must name a host`;
  if (isRefusedHost(url.hostname, policy))
    return policy.refusePrivate
      ? `${field} must not point at a loopback, private, link-local or cloud-metadata address (${url.hostname})`
      : `${field} must not point at a link-local or cloud-metadata address (${url.hostname}); see backend.allow_link_local_targets`;
  return null;
}

/** The error of a connection the policy refused; `code` is OUTBOUND_REFUSED_CODE like a system error's. */
export class OutboundRefusedError extends Error {
  readonly code = OUTBOUND_REFUSED_CODE;
  constructor(readonly host: string) {
    super(`${host} is a link-local or cloud-metadata address, which this server does not call`);
    this.name = 'OutboundRefusedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** dns.lookup's shape, as net.connect calls it (`all` may be asked for by happy eyeballs). */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

const systemLookup: LookupFunction = (hostname, options, callback) =>
  dnsLookup(hostname, options as LookupAllOptions & LookupOneOptions, callback as never);

/**
 * A `lookup` for net/http/https connections that resolves as usual and refuses when ANY resolved address is refused
 * (not only the one picked: a later attempt of happy eyeballs could pick another). Host names that are refused as
 * such fail without a resolution. `resolve` is replaceable in tests.
 */
export function outboundLookup(policy?: OutboundPolicy, resolve: LookupFunction = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    const p = policy ?? current;
    if (isRefusedHost(hostname, p)) return callback(new OutboundRefusedError(hostname), '', 0);
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }];
      const refused = list.find((a) => isRefusedAddress(a.address, p));
      if (refused) return callback(new OutboundRefusedError(`${hostname} (${refused.address})`), '', 0);
      if (!list.length)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
