/**
 * Host names as the Host check compares them (DESIGN § apps/demo "Who may drive it"): written
 * exactly, compared case-insensitively without one trailing dot. A loopback address counts only
 * as a literal (`127.0.0.1`, `[::1]`), never as a prefix: `127.evil.example` is somebody's name.
 */

/** A `Host` header, or a name of `ALLOWED_HOSTS`, as parsed by {@link parseHost}. */
export interface HostName {
  /** Lower case, one trailing dot dropped; an IPv6 address keeps its brackets (`[::1]`). */
  name: string;
  /** The port written after the name, if one was. */
  port: number | undefined;
}

/** The names a server answers to, each with the ports it may be written with. */
export interface HostEntry {
  name: string;
  /** The ports a `Host` may name (`undefined`: none written); all when left out. */
  ports?: readonly (number | undefined)[];
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;
const PORT = /^[1-9][0-9]{0,4}$/;
const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses `name[:port]` or `[ipv6][:port]` strictly: DNS labels of letters, digits, `_` and inner
 * hyphens, a port of decimal digits from 1 to 65535 without a leading zero, nothing else (no
 * user info, path, empty port, or spaces). `null` when it is not one.
 */
export function parseHost(value: string): HostName | null {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(value);
  if (!match) return null;
  const [, rawName = '', rawPort] = match;
  let port: number | undefined;
  if (rawPort !== undefined) {
    if (!PORT.test(rawPort) || Number(rawPort) > 65_535) return null;
    port = Number(rawPort);
  }
  const lower = rawName.toLowerCase();
  if (lower.startsWith('[')) return IPV6.test(lower) ? { name: lower, port } : null;
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (name.length === 0 || name.length > 253) return null;
  return name.split('.').every((label) => LABEL.test(label)) ? { name, port } : null;
}

/**
 * Whether a parsed name is a loopback literal: `localhost`, `[::1]`, or an IPv4 address
 * 127.x.y.z written as four decimal octets (`127.1` and `0x7f.0.0.1` are not).
 */
export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name === '[::1]') return true;
  const octets = name.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => OCTET.test(octet) && Number(octet) <= 255)
  );
}

/** A listen address (`HOST`) as a `Host` header would name it: an IPv6 one in brackets. */
export function listenHostName(host: string): HostName | null {
  return parseHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}

/**
 * The entry of a base URL (`PUBLIC_URL`): its host with its port, or, when it names none, with
 * no port or the scheme's default one.
 */
export function urlHostEntry(url: string): HostEntry | null {
  const parsed = new URL(url);
  const host = parseHost(parsed.host);
  if (!host) return null;
  if (host.port !== undefined) return { name: host.name, ports: [host.port] };
  return { name: host.name, ports: [undefined, parsed.protocol === 'https:' ? 443 : 80] };
}

/** Whether `host` is one of `entries` or a loopback literal, with a port each allows. */
export function hostAllowed(host: HostName, entries: readonly HostEntry[]): boolean {
  if (isLoopbackName(host.name)) return true;
  return entries.some(
    (entry) =>
      entry.name === host.name && (entry.ports === undefined || entry.ports.includes(host.port)),
  );
}
