import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import {
  AppConfig,
  ConfigError,
  loadConfig,
  LoadConfigOptions,
  maskedConfig,
  SECRET_MASK,
  withResolvedSecret,
} from '../../src/config/app-config';
import { CONFIG_SCHEMA, EXAMPLE_SECRET_KEY, Field } from '../../src/config/config-schema';

const GOOD_SECRET = 'a'.repeat(16) + 'B'.repeat(16) + '-good-secret';
const SCHEMA = CONFIG_SCHEMA as unknown as Record<string, Record<string, Field>>;
type Raw = Record<string, Record<string, unknown>>;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opengewe-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a TOML file in the test's temp dir and returns its path. */
function writeToml(content: string, name = 'main_config.toml'): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** loadConfig isolated from the real environment: no NODE_ENV, no OPENGEWE__ variables unless given. */
function load(content: string, options: Omit<LoadConfigOptions, 'path'> = {}) {
  return loadConfig({ env: {}, ...options, path: writeToml(content) });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `fn` and returns the ConfigError it throws (fails the test if it throws nothing else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('loadConfig without a config file', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
  });

  it('runs on the embedded defaults and reports no source', () => {
    const { config, source, warnings } = loadConfig({ env: {} });
    expect(source).toBeNull();
    expect(warnings).toEqual([]);
    expect(config.backend.port).toBe(5433);
    expect(config.backend.host).toBe('0.0.0.0');
    expect(config.backend.secret_key).toBe('');
    expect(config.backend.access_token_ttl).toBe(15 * 60_000);
    expect(config.backend.refresh_token_ttl).toBe(7 * 86_400_000);
    expect(config.backend.body_limit).toBe(1024 * 1024);
    expect(config.database.type).toBe('sqlite');
    expect(config.queue.queue_type).toBe('simple');
    expect(config.logging.level).toBe('info');
    expect(config.logging.rotation).toBe(500 * 1024 * 1024);
    expect(config.logging.retention).toBe(10 * 86_400_000);
    expect(config.plugins.enabled_plugins).toEqual(['ExamplePlugin']);
  });

  it('gives every schema key its declared default', () => {
    const config = loadConfig({ env: {} }).config as unknown as Raw;
    for (const [section, fields] of Object.entries(SCHEMA))
      for (const [key, field] of Object.entries(fields))
        expect({ key: `${section}.${key}`, value: config[section][key] }).toEqual({
          key: `${section}.${key}`,
          value: field.default,
        });
  });

  it('treats an unset OPENGEWE_CONFIG like no variable at all', () => {
    const { source, config } = loadConfig({ env: { OPENGEWE_CONFIG: undefined } });
    expect(source).toBeNull();
    expect(config.backend.port).toBe(5433);
  });

  it('reads config/main_config.toml relative to the working directory when it exists', () => {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'main_config.toml'), '[backend]\nport = 6001\n');
    const { config, source } = loadConfig({ env: {} });
    expect(config.backend.port).toBe(6001);
    expect(source).toBe(resolve(dir, 'config', 'main_config.toml'));
  });

  it('reads no file at all with path null, even when one exists and OPENGEWE_CONFIG is set', () => {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'main_config.toml'), '[backend]\nport = 6001\n');
    const { config, source } = loadConfig({
      path: null,
      env: { OPENGEWE_CONFIG: join(dir, 'config', 'main_config.toml') },
    });
    expect(source).toBeNull();
    expect(config.backend.port).toBe(5433);
  });

  it('still applies env overrides with path null', () => {
    const { config } = loadConfig({ path: null, env: { OPENGEWE__BACKEND__PORT: '6002' } });
    expect(config.backend.port).toBe(6002);
  });
});

describe('loadConfig reading a TOML file', () => {
  it('reads values from the file and reports it as the source', () => {
    const file = writeToml(`
[backend]
port = 8080
debug = true
cors_origins = ["https://admin.example.com"]

[database]
type = "mysql"
mysql_host = "db.internal"
mysql_port = 3307

[gewe]
is_gewe = false
`);
    const { config, source } = loadConfig({ path: file, env: {} });
    expect(source).toBe(resolve(file));
    expect(config.backend.port).toBe(8080);
    expect(config.backend.debug).toBe(true);
    expect(config.backend.cors_origins).toEqual(['https://admin.example.com']);
    expect(config.database.type).toBe('mysql');
    expect(config.database.mysql_host).toBe('db.internal');
    expect(config.database.mysql_port).toBe(3307);
    expect(config.gewe.is_gewe).toBe(false);
    // untouched keys keep their defaults
    expect(config.backend.host).toBe('0.0.0.0');
    expect(config.redis.port).toBe(6379);
  });

  it('converts durations to milliseconds and sizes to bytes', () => {
    const { config } = load(`
[backend]
access_token_ttl = "15m"
refresh_token_ttl = "30 days"
login_window = "90s"
body_limit = "256kb"

[logging]
rotation = "500 MB"
retention = "2 weeks"
`);
    expect(config.backend.access_token_ttl).toBe(900_000);
    expect(config.backend.refresh_token_ttl).toBe(30 * 86_400_000);
    expect(config.backend.login_window).toBe(90_000);
    expect(config.backend.body_limit).toBe(256 * 1024);
    expect(config.logging.rotation).toBe(500 * 1024 * 1024);
    expect(config.logging.retention).toBe(14 * 86_400_000);
  });

  it('accepts plain numbers for durations and sizes', () => {
    const { config } = load('[backend]\naccess_token_ttl = 120000\nbody_limit = 4096\n');
    expect(config.backend.access_token_ttl).toBe(120_000);
    expect(config.backend.body_limit).toBe(4096);
  });

  it('reads nested tables into object fields', () => {
    const { config } = load(
      '[database]\nconnect_args = { ssl = { rejectUnauthorized = true }, connectTimeout = 5000 }\n',
    );
    expect(config.database.connect_args).toEqual({ ssl: { rejectUnauthorized: true }, connectTimeout: 5000 });
  });

  it('reads the Python-style level alias "WARNING" as warn and compression "zip" as gzip', () => {
    const { config } = load('[logging]\nlevel = "WARNING"\ncompression = "zip"\n');
    expect(config.logging.level).toBe('warn');
    expect(config.logging.compression).toBe('gzip');
  });

  it('reads an empty compression as none', () => {
    expect(load('[logging]\ncompression = ""\n').config.logging.compression).toBe('none');
  });

  it('does not convert quoted numbers in the file into integers', () => {
    const err = configError(() => load('[backend]\nport = "8080"\n'));
    expect(err.problems).toEqual(['backend.port: must be an integer (from file)']);
  });
});

describe('loadConfig environment overrides', () => {
  it('lets OPENGEWE__<SECTION>__<KEY> beat the value in the file', () => {
    const { config } = load('[backend]\nport = 8080\nhost = "127.0.0.1"\n', {
      env: { OPENGEWE__BACKEND__PORT: '9090' },
    });
    expect(config.backend.port).toBe(9090);
    expect(config.backend.host).toBe('127.0.0.1');
  });

  it('coerces integers from env strings', () => {
    const { config } = load('', { env: { OPENGEWE__REDIS__DB: '3', OPENGEWE__QUEUE__CONCURRENCY: ' 16 ' } });
    expect(config.redis.db).toBe(3);
    expect(config.queue.concurrency).toBe(16);
  });

  it('coerces booleans from "true", "0", "yes" and "off"', () => {
    const { config } = load('[backend]\ndebug = false\nenable_docs = true\n', {
      env: {
        OPENGEWE__BACKEND__DEBUG: 'true',
        OPENGEWE__BACKEND__ENABLE_DOCS: '0',
        OPENGEWE__BACKEND__TRUST_PROXY: 'yes',
        OPENGEWE__LOGGING__STDOUT: 'off',
      },
    });
    expect(config.backend.debug).toBe(true);
    expect(config.backend.enable_docs).toBe(false);
    expect(config.backend.trust_proxy).toBe(true);
    expect(config.logging.stdout).toBe(false);
  });

  it('reads a comma-separated string list', () => {
    const { config } = load('', {
      env: { OPENGEWE__BACKEND__CORS_ORIGINS: 'https://a.example.com, https://b.example.com' },
    });
    expect(config.backend.cors_origins).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('reads a JSON array string list', () => {
    const { config } = load('', { env: { OPENGEWE__PLUGINS__ENABLED_PLUGINS: '["Echo", "Weather, Pro"]' } });
    expect(config.plugins.enabled_plugins).toEqual(['Echo', 'Weather, Pro']);
  });

  it('reads an empty env string list as no items', () => {
    const { config } = load('', { env: { OPENGEWE__PLUGINS__ENABLED_PLUGINS: '' } });
    expect(config.plugins.enabled_plugins).toEqual([]);
  });

  it('reads a JSON object', () => {
    const { config } = load('', {
      env: { OPENGEWE__DATABASE__CONNECT_ARGS: '{"ssl": {"rejectUnauthorized": false}}' },
    });
    expect(config.database.connect_args).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('matches enum values case-insensitively', () => {
    const { config } = load('', { env: { OPENGEWE__DATABASE__TYPE: 'MYSQL', OPENGEWE__LOGGING__FORMAT: 'Json' } });
    expect(config.database.type).toBe('mysql');
    expect(config.logging.format).toBe('json');
  });

  it('maps the log level alias "WARNING" to warn and compression "zip" to gzip', () => {
    const { config } = load('[logging]\nlevel = "error"\ncompression = "none"\n', {
      env: { OPENGEWE__LOGGING__LEVEL: 'WARNING', OPENGEWE__LOGGING__COMPRESSION: 'zip' },
    });
    expect(config.logging.level).toBe('warn');
    expect(config.logging.compression).toBe('gzip');
  });

  it('converts durations and sizes given in env', () => {
    const { config } = load('', {
      env: { OPENGEWE__BACKEND__LOGIN_WINDOW: '2h', OPENGEWE__LOGGING__ROTATION: '10mb' },
    });
    expect(config.backend.login_window).toBe(2 * 3_600_000);
    expect(config.logging.rotation).toBe(10 * 1024 * 1024);
  });

  it('ignores variables without the OPENGEWE__ prefix', () => {
    const { config } = load('', { env: { PORT: 'not-a-port', OPENGEWE_BACKEND_PORT: 'x', HOME: '/root' } });
    expect(config.backend.port).toBe(5433);
  });

  it('lets explicit overrides beat both env and file', () => {
    const { config } = load('[backend]\nport = 8080\n', {
      env: { OPENGEWE__BACKEND__PORT: '9090' },
      overrides: { backend: { port: 7070 } },
    });
    expect(config.backend.port).toBe(7070);
  });
});

describe('loadConfig rejecting bad configuration', () => {
  it('names the key of an out-of-range value from the file', () => {
    const err = configError(() => load('[backend]\nport = 70000\n'));
    expect(err.problems).toEqual(['backend.port: must be between 1 and 65535 (from file)']);
    expect(err.message).toContain('backend.port');
    expect(err.name).toBe('ConfigError');
  });

  it('names the key and the env variable of a bad env value', () => {
    const err = configError(() => load('', { env: { OPENGEWE__BACKEND__PORT: 'eighty' } }));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('backend.port');
    expect(err.message).toContain('OPENGEWE__BACKEND__PORT');
    expect(err.message).toContain('must be an integer');
  });

  it('rejects a non-integer env number such as "80.5"', () => {
    const err = configError(() => load('', { env: { OPENGEWE__BACKEND__PORT: '80.5' } }));
    expect(err.message).toContain('backend.port: must be an integer');
  });

  it('rejects an env boolean that is not a known spelling', () => {
    const err = configError(() => load('', { env: { OPENGEWE__BACKEND__DEBUG: 'maybe' } }));
    expect(err.message).toContain('backend.debug: must be true or false');
  });

  it('rejects malformed JSON for a list or an object from env', () => {
    const err = configError(() =>
      load('', {
        env: { OPENGEWE__BACKEND__CORS_ORIGINS: '["a",', OPENGEWE__DATABASE__CONNECT_ARGS: '{nope' },
      }),
    );
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('backend.cors_origins');
    expect(err.message).toContain('database.connect_args: must be a JSON object');
  });

  it('reports every bad value at once', () => {
    const err = configError(() =>
      load(
        `
[backend]
port = 0
access_token_ttl = "soon"

[database]
type = "postgres"

[logging]
level = "loud"
`,
        { env: { OPENGEWE__REDIS__PORT: 'abc' } },
      ),
    );
    expect(err.problems).toHaveLength(5);
    const joined = err.problems.join('\n');
    for (const key of ['backend.port', 'backend.access_token_ttl', 'database.type', 'logging.level', 'redis.port'])
      expect(joined).toContain(key);
    expect(joined).toContain('must be one of sqlite, mysql (got "postgres")');
  });

  it('rejects values below a duration or size minimum', () => {
    const err = configError(() => load('[backend]\naccess_token_ttl = "5s"\nbody_limit = "10"\n'));
    expect(err.problems).toEqual([
      'backend.access_token_ttl: must be at least 60 s (from file)',
      'backend.body_limit: must be at least 1024 bytes (from file)',
    ]);
  });

  it('rejects a headers timeout longer than the request timeout', () => {
    const err = configError(() => load('[backend]\nheaders_timeout = "90s"\nrequest_timeout = "60s"\n'));
    expect(err.problems).toEqual([
      'backend.headers_timeout: must not be longer than backend.request_timeout (the headers are part of the request)',
    ]);
  });

  it('rejects strings that do not match their pattern', () => {
    const err = configError(() =>
      load(
        '[gewe]\nbase_url = "ftp://gewe"\n[queue]\nbroker = "http://localhost:6379"\n[backend]\ndocs_url = "docs"\n',
      ),
    );
    const joined = err.problems.join('\n');
    expect(joined).toContain('gewe.base_url: must be an http(s) URL');
    expect(joined).toContain('queue.broker: must be a redis:// or rediss:// URL');
    expect(joined).toContain('backend.docs_url: must be a path such as /docs');
  });

  it('rejects an empty value for a required string', () => {
    const err = configError(() => load('[backend]\nhost = ""\n'));
    expect(err.problems).toEqual(['backend.host: must not be empty (from file)']);
  });

  it('rejects an unknown section, naming the file, line and column and the closest section', () => {
    const file = join(dir, 'main_config.toml');
    expect(configError(() => load('[nonsense]\nfoo = 1\n')).problems).toEqual([
      `${file}:1:1: [nonsense]: unknown section`,
    ]);
    expect(configError(() => load('# comment\n\n  [bakend]\nport = 1\n')).problems).toEqual([
      `${file}:3:3: [bakend]: unknown section; did you mean [backend]?`,
    ]);
  });

  it('rejects a section that is not a table', () => {
    const err = configError(() => load('backend = 5\n'));
    expect(err.problems).toEqual([`${join(dir, 'main_config.toml')}:1:1: [backend]: must be a table`]);
  });

  it('rejects an unknown key in the file with its line and column and the closest known key', () => {
    const file = join(dir, 'main_config.toml');
    expect(configError(() => load('[backend]\nhost = "127.0.0.1"\n  prot = 8080\n')).problems).toEqual([
      `${file}:3:3: backend.prot: unknown key; did you mean backend.port?`,
    ]);
    expect(configError(() => load('[database]\ntype = "sqlite"\nsqlite_fle = "x.db"\n')).problems).toEqual([
      `${file}:3:1: database.sqlite_fle: unknown key; did you mean database.sqlite_file?`,
    ]);
    // a key of another section
    expect(configError(() => load('[database]\nport = 1\n')).problems).toEqual([
      `${file}:2:1: database.port: unknown key; did you mean backend.port (in [backend])?`,
    ]);
    // dotted keys at the top level are found too; nothing close: no guess
    expect(configError(() => load('backend.zzzzzzzzzzzz = 1\n')).problems).toEqual([
      `${file}:1:1: backend.zzzzzzzzzzzz: unknown key`,
    ]);
  });

  it('rejects an unknown OPENGEWE__ variable, naming it', () => {
    const err = configError(() =>
      load('', {
        env: {
          OPENGEWE__BACKEND__PROT: '8080',
          OPENGEWE__NOSUCH__PORT: '1',
          OPENGEWE__BACKEND: '1',
          OPENGEWE__BACKEND__PORT__EXTRA: '1',
        },
      }),
    );
    expect(err.problems).toHaveLength(4);
    for (const name of [
      'OPENGEWE__BACKEND__PROT',
      'OPENGEWE__NOSUCH__PORT',
      'OPENGEWE__BACKEND:',
      'OPENGEWE__BACKEND__PORT__EXTRA',
    ])
      expect(err.message).toContain(name);
  });

  it('suggests the closest variable for a misspelt OPENGEWE__ key, and none when nothing is close', () => {
    const err = configError(() =>
      load('', {
        env: { OPENGEWE__BACKEND__PROT: '8080', OPENGEWE__DATABSE__TYPE: 'sqlite', OPENGEWE__XYZ__QQQ: '1' },
      }),
    );
    expect(err.problems).toEqual([
      'OPENGEWE__BACKEND__PROT: no such config key; did you mean OPENGEWE__BACKEND__PORT?',
      'OPENGEWE__DATABSE__TYPE: no such config key; did you mean OPENGEWE__DATABASE__TYPE?',
      'OPENGEWE__XYZ__QQQ: no such config key (expected OPENGEWE__<SECTION>__<KEY>, e.g. OPENGEWE__BACKEND__PORT)',
    ]);
  });

  it('rejects invalid TOML, naming the file, the line and the column, with the lines around it', () => {
    const file = writeToml('[backend]\nport = 8080\nhost = "127.0.0.1\n');
    const err = configError(() => loadConfig({ path: file, env: {} }));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^${escape(resolve(file))}:3:18: not valid TOML: \\S`));
    expect(err.problems[0]).toContain('host = "127.0.0.1');
    expect(err.problems[0]).toContain('^');
    const other = writeToml('[backend\nport = \n', 'other.toml');
    expect(configError(() => loadConfig({ path: other, env: {} })).message).toMatch(
      new RegExp(`${escape(resolve(other))}:1:\\d+: not valid TOML`),
    );
  });

  it('rejects an explicit options.path that does not exist', () => {
    const missing = join(dir, 'missing.toml');
    const err = configError(() => loadConfig({ path: missing, env: {} }));
    expect(err.message).toContain(missing);
    expect(err.message).toContain('does not exist');
  });

  it('rejects an OPENGEWE_CONFIG path that does not exist', () => {
    const missing = join(dir, 'missing.toml');
    const err = configError(() => loadConfig({ env: { OPENGEWE_CONFIG: missing } }));
    expect(err.message).toContain(missing);
    expect(err.message).toContain('OPENGEWE_CONFIG');
  });

  it('reads the file named by OPENGEWE_CONFIG', () => {
    const file = writeToml('[backend]\nport = 6100\n', 'elsewhere.toml');
    const { config, source } = loadConfig({ env: { OPENGEWE_CONFIG: file } });
    expect(config.backend.port).toBe(6100);
    expect(source).toBe(resolve(file));
  });
});

describe('loadConfig secret_key checks', () => {
  const exampleToml = `[backend]\nsecret_key = "${EXAMPLE_SECRET_KEY}"\n`;

  it('refuses the example secret_key in production', () => {
    const err = configError(() => load(exampleToml, { env: { NODE_ENV: 'production' } }));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('backend.secret_key');
    expect(err.message).toContain('NODE_ENV=production');
  });

  it('refuses the example secret_key whatever the case of NODE_ENV', () => {
    expect(() => load(exampleToml, { env: { NODE_ENV: 'Production' } })).toThrow(ConfigError);
  });

  it('refuses the example secret_key in production when it comes from env', () => {
    const err = configError(() =>
      load('', { env: { NODE_ENV: 'production', OPENGEWE__BACKEND__SECRET_KEY: EXAMPLE_SECRET_KEY } }),
    );
    expect(err.message).toContain('backend.secret_key');
  });

  it('loads the example secret_key outside production with a warning', () => {
    for (const NODE_ENV of [undefined, 'development', 'test']) {
      const { config, warnings } = load(exampleToml, { env: { NODE_ENV } });
      expect(config.backend.secret_key).toBe(EXAMPLE_SECRET_KEY);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('backend.secret_key');
    }
  });

  it('refuses a non-empty secret_key shorter than 32 characters', () => {
    const err = configError(() => load('[backend]\nsecret_key = "only-31-characters-long-secret!"\n'));
    expect('only-31-characters-long-secret!').toHaveLength(31);
    expect(err.problems).toEqual(['backend.secret_key: must be at least 32 characters (or empty to generate one)']);
  });

  it('accepts a secret_key of exactly 32 characters in production without warnings', () => {
    const secret = 'x'.repeat(32);
    const { config, warnings } = load(`[backend]\nsecret_key = "${secret}"\n`, { env: { NODE_ENV: 'production' } });
    expect(config.backend.secret_key).toBe(secret);
    expect(warnings).toEqual([]);
  });

  it('accepts an empty secret_key in production (a key is generated later)', () => {
    const { config } = load('[backend]\nsecret_key = ""\n', { env: { NODE_ENV: 'production' } });
    expect(config.backend.secret_key).toBe('');
  });

  it('warns about an empty MySQL password in production', () => {
    const { warnings } = load('[database]\ntype = "mysql"\n', { env: { NODE_ENV: 'production' } });
    expect(warnings).toEqual(['database.mysql_password is empty.']);
  });
});

describe('the loaded config', () => {
  it('is deeply frozen', () => {
    const { config } = load(
      '[database]\nconnect_args = { ssl = { rejectUnauthorized = true } }\n[backend]\ncors_origins = ["https://a.example"]\n',
    );
    expect(Object.isFrozen(config)).toBe(true);
    for (const section of Object.keys(SCHEMA))
      expect({ section, frozen: Object.isFrozen((config as unknown as Raw)[section]) }).toEqual({
        section,
        frozen: true,
      });
    expect(Object.isFrozen(config.backend.cors_origins)).toBe(true);
    expect(Object.isFrozen(config.database.connect_args)).toBe(true);
    expect(Object.isFrozen(config.database.connect_args.ssl)).toBe(true);
  });

  it('throws on assignment (modules run in strict mode) and stays unchanged', () => {
    const { config } = load('');
    const mutable = config as unknown as { backend: { port: number }; logging: Record<string, unknown> };
    expect(() => {
      mutable.backend.port = 1;
    }).toThrow(TypeError);
    expect(() => {
      mutable.logging = {};
    }).toThrow(TypeError);
    expect(() => (config.backend.cors_origins as string[]).push('x')).toThrow(TypeError);
    expect(config.backend.port).toBe(5433);
    expect(config.backend.cors_origins).toEqual(['*']);
  });

  it('does not share list values with the schema defaults', () => {
    const { config } = load('');
    expect(config.backend.cors_origins).toEqual(CONFIG_SCHEMA.backend.cors_origins.default);
    expect(config.backend.cors_origins).not.toBe(CONFIG_SCHEMA.backend.cors_origins.default);
  });
});

describe('maskedConfig', () => {
  const sensitive = Object.entries(SCHEMA).flatMap(([section, fields]) =>
    Object.entries(fields)
      .filter(([, f]) => f.sensitive)
      .map(([key]) => `${section}.${key}`),
  );

  it('marks secret_key, mysql_password, redis.password and gewe.token as sensitive', () => {
    expect(sensitive).toEqual(
      expect.arrayContaining(['backend.secret_key', 'database.mysql_password', 'redis.password', 'gewe.token']),
    );
  });

  it('masks every sensitive field that is set and leaves the others', () => {
    const { config } = load(`
[backend]
secret_key = "${GOOD_SECRET}"
port = 8080
[database]
mysql_password = "db-pass"
mysql_user = "opengewe"
[redis]
password = "redis-pass"
[gewe]
token = "gewe-token"
app_id = "wx_app"
[metrics]
token = "metrics-token-0123456789"
[alerts]
webhook_secret = "hook-secret"
`);
    const masked = maskedConfig(config);
    for (const name of sensitive) {
      const [section, key] = name.split('.');
      expect({ name, value: masked[section][key] }).toEqual({ name, value: SECRET_MASK });
    }
    expect(SECRET_MASK).toBe('********');
    expect(masked.backend.port).toBe(8080);
    expect(masked.database.mysql_user).toBe('opengewe');
    expect(masked.gewe.app_id).toBe('wx_app');
    expect(masked.logging).toEqual(config.logging);
    expect(JSON.stringify(masked)).not.toMatch(/db-pass|redis-pass|gewe-token|good-secret/);
  });

  it('shows empty sensitive fields as empty strings', () => {
    const masked = maskedConfig(load('').config);
    for (const name of sensitive) {
      const [section, key] = name.split('.');
      expect({ name, value: masked[section][key] }).toEqual({ name, value: '' });
    }
  });

  it('covers every section and key of the schema and leaves the config untouched', () => {
    const { config } = load(`[gewe]\ntoken = "gewe-token"\n`);
    const masked = maskedConfig(config);
    expect(Object.keys(masked)).toEqual(Object.keys(SCHEMA));
    for (const section of Object.keys(SCHEMA))
      expect(Object.keys(masked[section])).toEqual(Object.keys(SCHEMA[section]));
    expect(config.gewe.token).toBe('gewe-token');
  });
});

describe('withResolvedSecret', () => {
  function configWithDataDir(dataDir: string, secret = ''): AppConfig {
    return load(`[backend]\nsecret_key = "${secret}"\ndata_dir = "${dataDir}"\n`).config;
  }

  it('generates a key of at least 32 characters into data_dir/secret.key with mode 0600', () => {
    const dataDir = join(dir, 'data', 'nested');
    const config = configWithDataDir(dataDir);
    const resolved = withResolvedSecret(config);
    expect(resolved.backend.secret_key.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'secret.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(resolved.backend.secret_key);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('returns the persisted key on a later call', () => {
    const config = configWithDataDir(join(dir, 'data'));
    const first = withResolvedSecret(config).backend.secret_key;
    const second = withResolvedSecret(configWithDataDir(join(dir, 'data'))).backend.secret_key;
    expect(second).toBe(first);
  });

  it('generates different keys for different data directories', () => {
    const a = withResolvedSecret(configWithDataDir(join(dir, 'a'))).backend.secret_key;
    const b = withResolvedSecret(configWithDataDir(join(dir, 'b'))).backend.secret_key;
    expect(a).not.toBe(b);
  });

  it('uses an existing key file as it is', () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const existing = 'k'.repeat(40);
    writeFileSync(join(dataDir, 'secret.key'), `${existing}\n`);
    expect(withResolvedSecret(configWithDataDir(dataDir)).backend.secret_key).toBe(existing);
  });

  it('replaces a key file that holds a key shorter than 32 characters', () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'secret.key'), 'short\n');
    const key = withResolvedSecret(configWithDataDir(dataDir)).backend.secret_key;
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim()).toBe(key);
  });

  it('returns a frozen copy and leaves the original config alone', () => {
    const config = configWithDataDir(join(dir, 'data'));
    const resolved = withResolvedSecret(config);
    expect(config.backend.secret_key).toBe('');
    expect(resolved.backend.port).toBe(config.backend.port);
    expect(resolved.database).toBe(config.database);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.backend)).toBe(true);
  });

  it('returns a configured key unchanged and writes no file', () => {
    const dataDir = join(dir, 'data');
    const config = configWithDataDir(dataDir, GOOD_SECRET);
    const resolved = withResolvedSecret(config);
    expect(resolved).toBe(config);
    expect(resolved.backend.secret_key).toBe(GOOD_SECRET);
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false);
  });

  it('works with data_dir given as an override', () => {
    const dataDir = join(dir, 'override-data');
    const { config } = loadConfig({ path: writeToml(''), env: {}, overrides: { backend: { data_dir: dataDir } } });
    const key = withResolvedSecret(config).backend.secret_key;
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim()).toBe(key);
  });
});

describe('config/main_config.example.toml', () => {
  const examplePath = resolve(__dirname, '../../config/main_config.example.toml');

  it('loads outside production', () => {
    const { config, source } = loadConfig({ path: examplePath, env: {} });
    expect(source).toBe(examplePath);
    expect(config.backend.port).toBeGreaterThan(0);
  });

  it('documents every section and key of the schema and nothing else', () => {
    const parsed = parseToml(readFileSync(examplePath, 'utf8')) as Raw;
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(SCHEMA).sort());
    for (const section of Object.keys(SCHEMA))
      expect({ section, keys: Object.keys(parsed[section]).sort() }).toEqual({
        section,
        keys: Object.keys(SCHEMA[section]).sort(),
      });
  });
});

describe('loadConfig metrics checks', () => {
  it('refuses metrics enabled without a token in production', () => {
    const err = configError(() => load('[metrics]\nenabled = true\n', { env: { NODE_ENV: 'production' } }));
    expect(err.message).toContain('metrics.token');
  });

  it('serves open metrics outside production, with a warning', () => {
    const { config, warnings } = load('[metrics]\nenabled = true\n');
    expect(config.metrics.enabled).toBe(true);
    expect(warnings.join('\n')).toContain('metrics.enabled without metrics.token');
  });

  it('accepts a token of 16 characters or more in production, refuses a shorter one anywhere', () => {
    const prod = { env: { NODE_ENV: 'production' } };
    expect(load('[metrics]\nenabled = true\ntoken = "0123456789abcdef"\n', prod).config.metrics.token).toHaveLength(16);
    expect(configError(() => load('[metrics]\ntoken = "short"\n')).message).toContain('metrics.token');
  });

  it('masks the metrics token', () => {
    const { config } = load('[metrics]\ntoken = "0123456789abcdef"\n');
    expect(maskedConfig(config).metrics.token).toBe(SECRET_MASK);
  });
});
