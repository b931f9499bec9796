/**
 * The names a network puts on a host, and the rules they must follow before any command runs.
 *
 * - Network names become file names (`<runDir>/dnsmasq/NAME.conf`, `NAME.pid`, ...) and appear
 *   in dnsmasq's configuration, so a network that runs on a host needs a plain name: ASCII
 *   letters, digits and `_ . + -`, not starting with `.` or `-`, at most 200 bytes. libvirt
 *   accepts more (anything but `/`), but then escapes it inconsistently between file names and
 *   the dnsmasq conf; virtform refuses instead of guessing.
 * - Link names (bridges, taps) follow the kernel's rules (1 to 15 bytes, not `.` or `..`, no
 *   `/`, `:` or white space), narrowed to ASCII letters, digits and `_ . -` with a letter,
 *   digit or `_` first, so they are safe as nftables strings and chain-name parts.
 * - Tap names are derived, never chosen by the user: `vf` + the first 8 hex digits of the
 *   SHA-256 of the domain name + `i` + the interface index, e.g. `vf3c9a01d2i0`. The same domain
 *   and interface always get the same name (a restart finds its tap), and the name fits 15
 *   bytes for up to 10000 interfaces.
 * - Devices virtform creates carry an ownership mark in their ifalias (`virtform:network:NAME`,
 *   `virtform:tap:DOMAIN:INDEX`), so teardown can tell them from devices it must never delete.
 */
import { createHash } from 'crypto';
import { NetworkError } from './network-error';

/** Linux IFNAMSIZ - 1: the longest interface name in bytes. */
export const MAX_LINK_NAME = 15;

/** Longest network or domain name accepted for host use, in UTF-8 bytes (fits an ifalias and a file name). */
export const MAX_HOST_NAME_BYTES = 200;

/** Highest interface index a tap name can carry. */
export const MAX_TAP_INDEX = 9999;

const LINK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NETWORK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot be a bridge or tap name, or null when it can. */
export function linkNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'it is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_LINK_NAME) return `it is ${Buffer.byteLength(name, 'utf8')} bytes long; Linux interface names have at most ${MAX_LINK_NAME}`;
  if (name === '.' || name === '..') return `'${name}' is reserved by the kernel`;
  if (!LINK_NAME.test(name)) return "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'";
  return null;
}

/** Throws BAD_NAME naming `what` (`bridge of network 'n'`), the value and the rule. */
export function checkLinkName(name: string, what: string): void {
  const problem = linkNameProblem(name);
  if (problem !== null) {
    throw new NetworkError('BAD_NAME', `${what} name ${JSON.stringify(name)} cannot be used: ${problem}. Choose a name such as virbr1 or br-lab.`);
  }
}

/** Why `name` cannot name a network that runs on a host, or null when it can. */
export function networkNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'it is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_HOST_NAME_BYTES) return `it is ${Buffer.byteLength(name, 'utf8')} bytes long; at most ${MAX_HOST_NAME_BYTES} are allowed`;
  if (!NETWORK_NAME.test(name)) {
    return "a running network's name becomes file names and dnsmasq configuration, so it may only use ASCII letters, digits, '_', '.', '+' and '-', starting with a letter, digit or '_'";
  }
  return null;
}

export function checkNetworkName(name: string): void {
  const problem = networkNameProblem(name);
  if (problem !== null) {
    throw new NetworkError('BAD_NAME', `network name ${JSON.stringify(name)} cannot be used on a host: ${problem}. Rename the network, e.g. 'lab-net'.`);
  }
}

/** Why `name` cannot name the domain a tap belongs to, or null (it only reaches an ifalias and a hash). */
export function domainNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'it is empty';
  if (CONTROL.test(name)) return 'it contains a control character';
  if (Buffer.byteLength(name, 'utf8') > MAX_HOST_NAME_BYTES) return `it is ${Buffer.byteLength(name, 'utf8')} bytes long; at most ${MAX_HOST_NAME_BYTES} are allowed`;
  if (/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return 'it contains a lone UTF-16 surrogate';
  return null;
}

function checkTapOwner(domainName: string, ifaceIndex: number): void {
  const problem = domainNameProblem(domainName);
  if (problem !== null) throw new NetworkError('BAD_NAME', `domain name ${JSON.stringify(domainName)} cannot own a tap device: ${problem}.`);
  if (!Number.isInteger(ifaceIndex) || ifaceIndex < 0 || ifaceIndex > MAX_TAP_INDEX) {
    throw new NetworkError('BAD_NAME', `interface index ${ifaceIndex} of domain '${domainName}' must be an integer from 0 to ${MAX_TAP_INDEX} (it is part of the tap name).`);
  }
}

/** The tap device name of interface `ifaceIndex` (0-based, in document order) of a domain. */
export function tapName(domainName: string, ifaceIndex: number): string {
  checkTapOwner(domainName, ifaceIndex);
  const hash = createHash('sha256').update(domainName, 'utf8').digest('hex').slice(0, 8);
  return `vf${hash}i${ifaceIndex}`;
}

/** The ifalias marking a bridge virtform created for `networkName`. */
export function bridgeAlias(networkName: string): string {
  return `virtform:network:${networkName}`;
}

/** The ifalias marking the tap of interface `ifaceIndex` of `domainName`. */
export function tapAlias(domainName: string, ifaceIndex: number): string {
  checkTapOwner(domainName, ifaceIndex);
  return `virtform:tap:${domainName}:${ifaceIndex}`;
}

/** True when an ifalias says virtform created the device (for any network or domain). */
export function isVirtformAlias(alias: string | undefined): boolean {
  return alias !== undefined && /^virtform:(network|tap):/.test(alias);
}
