/**
 * Checks a Gewe base URL or download URL before any request is sent: http(s) only, no embedded credentials (they
 * would end up in logs and in the Host header of every call), no query or fragment (paths are appended).
 * Returns a message naming the problem, or null when the URL is usable.
 */
export function checkGeweUrl(value: string, field = 'baseUrl'): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be an absolute http(s) URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${field} must use http or https`;
  if (url.username || url.password) return `${field} must not contain credentials`;
  if (url.search || url.hash) return `${field} must not contain a query or fragment`;
  if (!url.hostname) return `${field} must name a host`;
  return null;
}

/** Joins a base URL and an endpoint path ("/login/checkOnline") without doubling or losing slashes. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/**
 * Whether two base URLs send to the same place: same scheme, host and port (the WHATWG origin, so 0x7f000001 and
 * 127.0.0.1, or :80 and no port, are one). A token saved for one origin must not be sent to another.
 */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
