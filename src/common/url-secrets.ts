/**
 * Secrets inside URLs: the credentials of `scheme://user:password@host` and the values of query parameters that
 * carry credentials. Used where URLs are recorded as text (the access log, the audit log). Pure functions.
 */

/** A query parameter's name as a server decodes it: `+` is a space, percent-escapes decoded (raw when invalid). */
export function queryParamName(raw: string): string {
  const name = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** `scheme://userinfo@` — up to the last `@` before the host's end (WHATWG URL parsing takes the last one). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;
/** `?name=value` / `&name=value` inside a text; the value ends at `&`, `#`, whitespace or a quote. */
const QUERY_PARAM = /([?&])([^=&#?\s"'<>]+)=([^&#\s"'<>]*)/g;

/**
 * `text` with the userinfo of every URL in it replaced by `mask`, and the value of every `?name=`/`&name=` whose
 * decoded name `isSecret` says holds a credential.
 */
export function maskUrlSecrets(text: string, isSecret: (name: string) => boolean, mask: string): string {
  if (!text.includes('@') && !text.includes('=')) return text;
  return text
    .replace(USERINFO, (_, scheme: string) => `${scheme}${mask}@`)
    .replace(QUERY_PARAM, (all, sep: string, name: string) =>
      isSecret(queryParamName(name)) ? `${sep}${name}=${mask}` : all,
    );
}
