/** Hosts for which plain http is acceptable: the token never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Where `enroll` may send the one-time token: https anywhere; http only to a loopback address
 * (the demo, a local proxy) unless the operator says `--insecure-http` — on any other network
 * the token and the JWT that comes back could be read or replaced in transit.
 */
export function checkControlPlaneUrl(text: string, options: { insecureHttp: boolean }): URL | Error {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return new Error(`--url: "${text}" is not a URL (expected https://<control-plane>)`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') return new Error(`--url: expected an https:// URL, got ${url.protocol}//`);
  if (isLoopbackHost(url.hostname) || options.insecureHttp) return url;
  return new Error(`--url: plain http:// is only allowed for localhost; use https:// (or --insecure-http on a network you trust)`);
}
