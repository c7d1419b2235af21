import { maskUrlSecrets } from '../common/url-secrets';
import { SECRET_MASK } from '../config/app-config';

/**
 * Secrets never reach the audit log: values under keys that look like secrets, and config fields the plugin's JSON
 * Schema marks `writeOnly: true` or `format: "password"`, are replaced by the mask. Pure functions, unit-tested.
 */
export const AUDIT_MASK = SECRET_MASK;

/** Key names that hold secrets: passwords, tokens, API/app/private keys, credentials, cookies. */
const SECRET_KEY =
  /^pass$|passw(or)?d|passphrase|secret|token|(api|app|access|private|signing|encryption)[-_]?key|^key$|credential|authorization|cookie/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Query parameters of URLs that hold secrets: secret-looking names, and signatures (paid GeWeAPI media links). */
const isSecretParam = (name: string) => isSecretKey(name) || /^(sig|signature|auth)$/i.test(name.trim());

/**
 * A text with the credentials of the URLs in it masked: `http://user:password@host` and `?token=…` (a refused
 * baseUrl, an error message quoting one), wherever a string appears in the details.
 */
export function maskUrlsIn(text: string): string {
  return maskUrlSecrets(text, isSecretParam, AUDIT_MASK);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The dotted paths (`a.b`) of the properties a JSON Schema marks as secret: `writeOnly: true` (the JSON Schema
 * annotation for "never shown back") or `format: "password"`, followed through nested `properties`.
 */
export function secretPaths(schema: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (!isObject(schema) || !isObject(schema.properties)) return out;
  for (const [key, sub] of Object.entries(schema.properties)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(sub) && (sub.writeOnly === true || sub.format === 'password')) out.add(path);
    for (const p of secretPaths(sub, path)) out.add(p);
  }
  return out;
}

/** A secret's value as recorded: the mask, unless there is nothing to hide (empty, null, a flag). */
const hidden = (v: unknown) => (v === undefined || v === null || v === '' || typeof v === 'boolean' ? v : AUDIT_MASK);

/**
 * A deep copy of `value` with secrets masked (by key name, or by path in `secret`) and the credentials of URLs in its
 * strings. Empty values stay visible.
 */
export function maskSecrets(value: unknown, secret: ReadonlySet<string> = new Set(), path = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, secret, path));
  if (typeof value === 'string') return maskUrlsIn(value);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const p = path ? `${path}.${key}` : key;
    out[key] = isSecretKey(key) || secret.has(p) ? hidden(v) : maskSecrets(v, secret, p);
  }
  return out;
}

export interface ConfigChange {
  /** Dotted path of the changed key. */
  path: string;
  /** The value before (absent when the key was added), masked when secret. */
  before?: unknown;
  /** The value after (absent when the key was removed), masked when secret. */
  after?: unknown;
}

/**
 * What changed between two configs, key by key (nested objects are followed, arrays compared whole). A secret that
 * changed shows as mask → mask: the log says it changed, never to what.
 */
export function diffConfig(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  secret: ReadonlySet<string> = new Set(),
  prefix = '',
): ConfigChange[] {
  const out: ConfigChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const path = prefix ? `${prefix}.${key}` : key;
    const a = before[key];
    const b = after[key];
    if (isObject(a) && isObject(b)) {
      out.push(...diffConfig(a, b, isSecretKey(key) ? new Set([...secret, path]) : secret, path));
      continue;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const masked = isSecretKey(key) || secret.has(path) || [...secret].some((s) => path.startsWith(`${s}.`));
    const show = (v: unknown) => (masked ? hidden(v) : maskSecrets(v, secret, path));
    out.push({ path, ...(key in before ? { before: show(a) } : {}), ...(key in after ? { after: show(b) } : {}) });
  }
  return out;
}
