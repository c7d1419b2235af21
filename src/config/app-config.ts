import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { checkOutboundUrl, OutboundPolicy } from '../net/outbound-url-policy';
import { closest, locateInToml } from './config-hints';
import { AppConfigShape, CONFIG_SCHEMA, EXAMPLE_SECRET_KEY, Field, parseDuration, parseSize } from './config-schema';

/** The typed, validated, frozen configuration. Injected with `@Inject(APP_CONFIG)`. */
export type AppConfig = AppConfigShape;
export const APP_CONFIG = Symbol('APP_CONFIG');

export const DEFAULT_CONFIG_PATH = 'config/main_config.toml';
const ENV_PREFIX = 'OPENGEWE__';

/** Thrown when the configuration cannot be used; `problems` name every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Explicit config file path; defaults to $OPENGEWE_CONFIG or config/main_config.toml. null: read no file. */
  path?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Extra values layered over the file and env (used by tests), as `{ section: { key: value } }`. */
  overrides?: Record<string, Record<string, unknown>>;
}

export interface LoadedConfig {
  config: AppConfig;
  /** The file that was read, or null when the service runs on embedded defaults. */
  source: string | null;
  warnings: string[];
}

type Raw = Record<string, Record<string, unknown>>;

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  // An empty OPENGEWE_CONFIG (e.g. `OPENGEWE_CONFIG=` in a compose file) means "not set", not the current directory.
  const explicit = options.path === null ? null : options.path || env.OPENGEWE_CONFIG || undefined;
  const path = explicit === null ? null : resolve(explicit ?? DEFAULT_CONFIG_PATH);
  const problems: string[] = [];
  const warnings: string[] = [];

  let fileValues: Raw = {};
  let source: string | null = null;
  let text = '';
  if (path !== null && existsSync(path)) {
    source = path;
    text = readFileSync(path, 'utf8');
    try {
      fileValues = parseToml(text) as Raw;
    } catch (err) {
      throw new ConfigError([tomlSyntaxProblem(path, err)]);
    }
  } else if (path !== null && explicit) {
    throw new ConfigError([
      `config file ${path} (from ${options.path ? 'options' : 'OPENGEWE_CONFIG'}) does not exist`,
    ]);
  }

  const out: Record<string, Record<string, unknown>> = {};
  const schema = CONFIG_SCHEMA as Record<string, Record<string, Field>>;
  /** `file:line:column: ` (or `file: ` when the place is not found) before a problem of the file. */
  const at = (section: string, key?: string) => {
    const pos = locateInToml(text, section, key);
    return pos ? `${source}:${pos.line}:${pos.column}: ` : `${source}: `;
  };
  for (const [section, value] of Object.entries(fileValues)) {
    if (!(section in schema)) {
      const guess = closest(section, Object.keys(schema));
      problems.push(`${at(section)}[${section}]: unknown section${guess ? `; did you mean [${guess}]?` : ''}`);
    } else if (typeof value !== 'object' || value === null || Array.isArray(value))
      problems.push(`${at(section)}[${section}]: must be a table`);
    else
      for (const key of Object.keys(value))
        if (!(key in schema[section]))
          problems.push(`${at(section, key)}${section}.${key}: unknown key${suggestKey(section, key)}`);
  }

  const envValues = readEnvOverrides(env, problems);

  for (const [section, fields] of Object.entries(CONFIG_SCHEMA) as [string, Record<string, Field>][]) {
    out[section] = {};
    for (const [key, field] of Object.entries(fields)) {
      const name = `${section}.${key}`;
      const fromOverride = options.overrides?.[section]?.[key];
      const fromEnv = envValues[section]?.[key];
      const fromFile = (fileValues[section] as Record<string, unknown> | undefined)?.[key];
      let value: unknown = field.default;
      let origin = 'default';
      if (fromOverride !== undefined) [value, origin] = [fromOverride, 'override'];
      else if (fromEnv !== undefined)
        [value, origin] = [fromEnv, `env ${ENV_PREFIX}${section.toUpperCase()}__${key.toUpperCase()}`];
      else if (fromFile !== undefined) [value, origin] = [fromFile, 'file'];
      const result = coerce(field, value, origin.startsWith('env'));
      if (typeof result === 'string')
        problems.push(`${name}: ${result}${origin === 'default' ? '' : ` (from ${origin})`}`);
      else out[section][key] = result.value;
    }
  }

  if (!problems.length) {
    const policy = { allowLinkLocal: out.backend.allow_link_local_targets === true };
    for (const [section, fields] of Object.entries(CONFIG_SCHEMA))
      for (const [key, field] of Object.entries(fields as Record<string, Field>)) {
        const problem = outboundProblem(field, out[section][key], `${section}.${key}`, policy);
        if (problem) problems.push(problem);
      }
  }
  if (problems.length) throw new ConfigError(problems);
  const config = out as unknown as AppConfig;
  if (config.backend.debug && !['trace', 'debug'].includes(config.logging.level))
    (out.logging as { level: string }).level = 'debug';

  if (config.backend.role !== 'all' && config.queue.queue_type !== 'advanced')
    throw new ConfigError([
      `backend.role: "${config.backend.role}" splits accepting and processing across instances, which needs queue.queue_type = "advanced" (a shared Redis queue)`,
    ]);

  if (config.backend.headers_timeout > config.backend.request_timeout)
    throw new ConfigError([
      'backend.headers_timeout: must not be longer than backend.request_timeout (the headers are part of the request)',
    ]);

  const secret = config.backend.secret_key;
  const production = (env.NODE_ENV ?? '').toLowerCase() === 'production';
  if (secret === EXAMPLE_SECRET_KEY) {
    if (production)
      throw new ConfigError([
        'backend.secret_key: still the example value "your-secret-key-here"; set a random key of at least 32 characters (e.g. `openssl rand -hex 32`) before running with NODE_ENV=production',
      ]);
    warnings.push('backend.secret_key is the example value: anyone can forge tokens. Never use it in production.');
  } else if (secret !== '' && secret.length < 32) {
    throw new ConfigError(['backend.secret_key: must be at least 32 characters (or empty to generate one)']);
  }
  const metricsToken = config.metrics.token;
  if (metricsToken !== '' && metricsToken.length < 16)
    throw new ConfigError(['metrics.token: must be at least 16 characters (or empty)']);
  if (config.metrics.enabled && metricsToken === '') {
    // /metrics tells who the robots are, how busy they are and what fails: not for anyone on the network.
    if (production)
      throw new ConfigError([
        'metrics.token: metrics.enabled = true needs a token when NODE_ENV=production (e.g. `openssl rand -hex 24`); Prometheus sends it with `authorization: { credentials: … }`',
      ]);
    warnings.push('metrics.enabled without metrics.token: GET /metrics is open to anyone who can reach the service.');
  }
  if (config.database.type === 'mysql' && config.database.mysql_password === '' && production)
    warnings.push('database.mysql_password is empty.');

  return { config: deepFreeze(config), source, warnings };
}

/**
 * With an empty `secret_key`, use a random key kept in `<data_dir>/secret.key` (created once, mode 0600), so sessions
 * survive restarts without a secret ever being written into the config file.
 */
export function withResolvedSecret(config: AppConfig): AppConfig {
  if (config.backend.secret_key !== '') return config;
  const file = resolve(config.backend.data_dir, 'secret.key');
  let key = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (key.length < 32) {
    key = randomBytes(48).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, key + '\n', { mode: 0o600 });
  }
  return deepFreeze({ ...config, backend: { ...config.backend, secret_key: key } });
}

function readEnvOverrides(env: NodeJS.ProcessEnv, problems: string[]): Raw {
  const values: Raw = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const [section, key, ...rest] = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    const fields = (CONFIG_SCHEMA as Record<string, Record<string, Field>>)[section];
    if (!fields || !key || rest.length || !(key in fields)) {
      const all = Object.entries(CONFIG_SCHEMA).flatMap(([s, f]) => Object.keys(f).map((k) => `${s}__${k}`));
      const near = closest(name.slice(ENV_PREFIX.length).toLowerCase(), all);
      const guess = near && ENV_PREFIX + near.toUpperCase();
      problems.push(
        `${name}: no such config key` +
          (guess
            ? `; did you mean ${guess}?`
            : ` (expected ${ENV_PREFIX}<SECTION>__<KEY>, e.g. OPENGEWE__BACKEND__PORT)`),
      );
      continue;
    }
    (values[section] ??= {})[key] = value;
  }
  return values;
}

/** A TOML syntax error as `file:line:column: not valid TOML: what`, with the lines around it and a caret. */
function tomlSyntaxProblem(path: string, err: unknown): string {
  const e = err as Error & { line?: number; column?: number; codeblock?: string };
  const what = e.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
  const where = e.line ? `${path}:${e.line}:${e.column ?? 1}` : path;
  const excerpt = e.codeblock ? `\n${e.codeblock.replace(/\n+$/, '').replace(/^/gm, '      ')}` : '';
  return `${where}: not valid TOML: ${what}${excerpt}`;
}

/** "; did you mean …?" for an unknown key of a known section: a close key of that section, or the same key elsewhere. */
function suggestKey(section: string, key: string): string {
  const schema = CONFIG_SCHEMA as Record<string, Record<string, Field>>;
  const near = closest(key, Object.keys(schema[section]));
  if (near) return `; did you mean ${section}.${near}?`;
  const elsewhere = Object.keys(schema).find((s) => key in schema[s]);
  if (elsewhere) return `; did you mean ${elsewhere}.${key} (in [${elsewhere}])?`;
  for (const [other, fields] of Object.entries(schema)) {
    const guess = closest(key, Object.keys(fields));
    if (guess) return `; did you mean ${other}.${guess} (in [${other}])?`;
  }
  return '';
}

type Coerced = { value: unknown } | string;

/** Checks one value against its field; env values arrive as strings and are converted first. */
/** A URL field (`outbound`) the server would call at an address the policy refuses: the message, else null. */
export function outboundProblem(field: Field, value: unknown, name: string, policy: OutboundPolicy): string | null {
  if (field.kind !== 'string' || !field.outbound || typeof value !== 'string' || value === '') return null;
  return checkOutboundUrl(value, name, policy);
}

export function coerce(field: Field, value: unknown, fromEnv: boolean): Coerced {
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string') return 'must be a string';
      if (field.minLength && value.length < field.minLength) return 'must not be empty';
      if (field.pattern && !field.pattern.test(value)) return `must be ${field.patternHint ?? field.pattern.source}`;
      return { value };
    }
    case 'int': {
      let n: unknown = value;
      if (typeof value === 'bigint') n = Number(value);
      if (fromEnv && typeof value === 'string') n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (typeof n !== 'number' || !Number.isInteger(n)) return 'must be an integer';
      if (n < field.min || n > field.max) return `must be between ${field.min} and ${field.max}`;
      return { value: n };
    }
    case 'bool': {
      if (typeof value === 'boolean') return { value };
      if (fromEnv && typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return { value: true };
        if (['false', '0', 'no', 'off'].includes(v)) return { value: false };
      }
      return 'must be true or false';
    }
    case 'enum': {
      if (typeof value !== 'string') return `must be one of ${field.values.join(', ')}`;
      const v = value.trim().toLowerCase();
      const resolved = field.aliases?.[v] ?? (field.values.includes(v) ? v : undefined);
      return resolved === undefined
        ? `must be one of ${field.values.join(', ')} (got "${value}")`
        : { value: resolved };
    }
    case 'string[]': {
      let v: unknown = value;
      if (fromEnv && typeof value === 'string') {
        const t = value.trim();
        if (t.startsWith('[')) {
          try {
            v = JSON.parse(t);
          } catch {
            return 'must be a JSON array of strings or a comma-separated list';
          }
        } else v = t === '' ? [] : t.split(',').map((s) => s.trim());
      }
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return 'must be a list of strings';
      const allowed = field.values;
      if (allowed) {
        const bad = (v as string[]).filter((s) => !allowed.includes(s));
        if (bad.length)
          return `every entry must be one of ${allowed.join(', ')} (got ${bad.map((b) => `"${b}"`).join(', ')})`;
      }
      return { value: [...(v as string[])] };
    }
    case 'object': {
      let v: unknown = value;
      if (fromEnv && typeof value === 'string') {
        try {
          v = JSON.parse(value);
        } catch {
          return 'must be a JSON object';
        }
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be a table/object';
      return { value: v };
    }
    case 'duration': {
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : NaN;
      if (!Number.isFinite(ms)) return 'must be a duration such as "15m", "7d" or "10 days"';
      if (ms < field.min) return `must be at least ${field.min / 1000} s`;
      return { value: ms };
    }
    case 'size': {
      const bytes = typeof value === 'number' ? value : typeof value === 'string' ? parseSize(value) : NaN;
      if (!Number.isFinite(bytes)) return 'must be a size such as "500 MB" or "1 MB"';
      if (bytes < field.min) return `must be at least ${field.min} bytes`;
      return { value: bytes };
    }
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** The config with every sensitive value replaced by a mask: safe for logs and API responses. */
export function maskedConfig(config: AppConfig): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA) as [string, Record<string, Field>][]) {
    out[section] = {};
    for (const [key, field] of Object.entries(fields)) {
      const value = (config as unknown as Raw)[section][key];
      out[section][key] = field.sensitive ? maskSecret(value) : value;
    }
  }
  return out;
}

export const SECRET_MASK = '********';
export function maskSecret(value: unknown): string {
  return value === '' || value === undefined || value === null ? '' : SECRET_MASK;
}

export function sqlitePath(config: AppConfig): string {
  return config.database.sqlite_file === ':memory:' ? ':memory:' : resolve(config.database.sqlite_file);
}

export function logFilePath(config: AppConfig): string | null {
  return config.logging.path ? join(resolve(config.logging.path), 'opengewe.log') : null;
}
