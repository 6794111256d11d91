import { isIPv4 } from 'node:net';

/**
 * Why a Streamable HTTP upstream URL is not acceptable, or null when it is. Only loopback hosts:
 * the runner relays to servers on its own host; a URL elsewhere would turn every runner into an
 * open proxy into its network, placed there by whoever controls a version's launch spec.
 * `localhost` is taken at its word (RFC 6761 reserves it for loopback); IPv4-mapped IPv6 and
 * other spellings are refused rather than interpreted.
 */
export function loopbackUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${url}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `expected an http:// or https:// URL, got ${parsed.protocol}`;
  if (parsed.username || parsed.password) return 'the URL must not carry credentials';
  const host = parsed.hostname;
  const loopback = host === 'localhost' || host === '[::1]' || (isIPv4(host) && host.startsWith('127.'));
  return loopback ? null : `only a loopback URL (127.0.0.0/8, [::1], localhost) is allowed, got host ${host}`;
}
