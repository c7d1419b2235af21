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

/** The port and path of a self-hosted Gewechat container's API; its files are served on FILES_PORT under /download. */
const GEWECHAT_API_PORT = '2531';
const GEWECHAT_API_PATH = '/v2/api';
const GEWECHAT_FILES_PORT = '2532';

/**
 * The download URL of a self-hosted Gewechat whose base URL has the container's usual layout:
 * `http://host:2531/v2/api` → `http://host:2532/download` (the image maps the API on 2531 and the files on 2532).
 * Null for any other base URL (another port or path, a paid GeWeAPI host): there is nothing to derive.
 */
export function gewechatDownloadUrl(baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.port !== GEWECHAT_API_PORT || url.pathname.replace(/\/+$/, '') !== GEWECHAT_API_PATH) return null;
  return `${url.protocol}//${url.hostname}:${GEWECHAT_FILES_PORT}/download`;
}
