import { ALERT_RULES } from './alert-rules';
import { MEDIA_KINDS } from './media-kinds';
import { parseDuration, parseSize } from './units';

export { parseDuration, parseSize };

/**
 * The schema of `main_config.toml`: every section and key, its type, default and whether it is a secret.
 * Types of the loaded config are inferred from this table, so adding a key here is the whole change.
 */

export interface FieldBase<T> {
  readonly kind: string;
  readonly default: T;
  readonly sensitive?: boolean;
  readonly description: string;
}

export interface StringField extends FieldBase<string> {
  readonly kind: 'string';
  readonly minLength?: number;
  readonly pattern?: RegExp;
  readonly patternHint?: string;
  /** A URL this server calls: refused at a link-local/metadata address unless backend.allow_link_local_targets. */
  readonly outbound?: boolean;
}
export interface IntField extends FieldBase<number> {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
}
export interface BoolField extends FieldBase<boolean> {
  readonly kind: 'bool';
}
export interface EnumField<E extends string = string> extends FieldBase<E> {
  readonly kind: 'enum';
  readonly values: readonly E[];
  readonly aliases?: Readonly<Record<string, E>>;
}
export interface StringListField extends FieldBase<readonly string[]> {
  readonly kind: 'string[]';
  /** When given, every entry must be one of these. */
  readonly values?: readonly string[];
}
export interface ObjectField extends FieldBase<Readonly<Record<string, unknown>>> {
  readonly kind: 'object';
}
/** A duration such as "15m", "7d", "30 s". Loaded as milliseconds. */
export interface DurationField extends FieldBase<number> {
  readonly kind: 'duration';
  readonly min: number;
}
/** A size such as "500 MB" or "1mb". Loaded as bytes. */
export interface SizeField extends FieldBase<number> {
  readonly kind: 'size';
  readonly min: number;
}

export type Field =
  StringField | IntField | BoolField | EnumField | StringListField | ObjectField | DurationField | SizeField;

type Opt<F extends Field> = Omit<F, 'kind' | 'default' | 'description'>;

const str = (def: string, description: string, o: Opt<StringField> = {}): StringField => ({
  kind: 'string',
  default: def,
  description,
  ...o,
});
const int = (def: number, min: number, max: number, description: string): IntField => ({
  kind: 'int',
  default: def,
  min,
  max,
  description,
});
const bool = (def: boolean, description: string): BoolField => ({ kind: 'bool', default: def, description });
const oneOf = <E extends string>(
  values: readonly E[],
  def: E,
  description: string,
  aliases?: Record<string, E>,
): EnumField<E> => ({ kind: 'enum', values, default: def, description, aliases });
const list = (def: readonly string[], description: string, values?: readonly string[]): StringListField => ({
  kind: 'string[]',
  default: def,
  description,
  ...(values ? { values } : {}),
});
const obj = (description: string): ObjectField => ({ kind: 'object', default: {}, description });
const duration = (def: string, min: number, description: string): DurationField => ({
  kind: 'duration',
  default: parseDuration(def),
  min,
  description,
});
const size = (def: string, min: number, description: string): SizeField => ({
  kind: 'size',
  default: parseSize(def),
  min,
  description,
});

/** The placeholder shipped in the example config and the spec. Refused in production. */
export const EXAMPLE_SECRET_KEY = 'your-secret-key-here';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Level names operators bring from Python/loguru configs. */
export const LOG_LEVEL_ALIASES: Record<string, LogLevel> = {
  warning: 'warn',
  critical: 'fatal',
  success: 'info',
};

const URL_HINT = 'an http(s) URL';
const HTTP_URL = /^https?:\/\/[^\s]+$/i;
const HTTP_URL_OR_EMPTY = /^(|https?:\/\/[^\s]+)$/i;
const REDIS_URL = /^rediss?:\/\/[^\s]+$/i;

export const CONFIG_SCHEMA = {
  backend: {
    host: str('0.0.0.0', 'Address the HTTP server binds to.', { minLength: 1 }),
    language: oneOf(
      ['zh', 'en'] as const,
      'zh',
      'Language of the texts the service sends to people outside the console: the alerts sent to WeChat or a webhook (zh: Chinese, en: English).',
    ),
    port: int(5433, 1, 65535, 'HTTP port.'),
    debug: bool(
      false,
      'Debug mode: logs at debug level (when logging.level is less verbose). API errors never expose internals either way.',
    ),
    secret_key: str(
      '',
      'Key that signs JWTs (at least 32 characters). Empty: a random key is generated once and kept in data_dir/secret.key. The example value is refused when NODE_ENV=production.',
      { sensitive: true },
    ),
    cors_origins: list(['*'], 'Allowed CORS origins; ["*"] allows any origin (without credentials).'),
    enable_docs: bool(true, 'Serve Swagger UI at docs_url and the OpenAPI JSON at <docs_url>-json.'),
    docs_url: str('/docs', 'Path of the Swagger UI.', { pattern: /^\/[\w\-/]*$/, patternHint: 'a path such as /docs' }),
    enable_redis: bool(
      false,
      'Connect to Redis (section [redis]) for health checks and multi-instance features (shared robot state, locks, rate limits).',
    ),
    enable_admin: bool(true, 'Serve the /api/admin endpoints.'),
    data_dir: str('./data', 'Directory for the SQLite database, the generated secret key and other state.', {
      minLength: 1,
    }),
    access_token_ttl: duration('15m', 60_000, 'Lifetime of an access token (JWT).'),
    refresh_token_ttl: duration('7d', 60_000, 'Lifetime of a login session; each refresh extends it.'),
    login_max_attempts_per_ip: int(20, 1, 100_000, 'Login attempts allowed per client IP per login_window.'),
    login_max_failures_per_user: int(
      5,
      1,
      100_000,
      'Failed logins of one username from one address (or from all addresses together) before the failing addresses are slowed down for it. An address that has not failed is never held back.',
    ),
    login_slowdown_base: duration(
      '1s',
      1,
      'Wait imposed on a slowed-down username+address pair after its failure; doubles with each further failure.',
    ),
    login_slowdown_max: duration('15m', 1, 'Longest wait of a slowed-down username+address pair.'),
    login_window: duration(
      '15m',
      1_000,
      'Window of the per-IP limit; failures of a username+address pair are forgotten after this long without one.',
    ),
    refresh_max_per_ip: int(
      60,
      1,
      100_000,
      'Token refreshes (POST /api/auth/refresh) allowed per client IP per refresh_window; more → 429 REFRESH_RATE_LIMITED.',
    ),
    refresh_window: duration('1m', 1_000, 'Window of the per-IP refresh limit.'),
    password_hash_rounds: int(12, 4, 15, 'bcrypt cost factor for password hashes.'),
    body_limit: size('1 MB', 1024, 'Largest JSON request body accepted.'),
    trust_proxy: bool(false, 'Trust X-Forwarded-For (set when running behind a reverse proxy).'),
    role: oneOf(
      ['all', 'webhook', 'worker'] as const,
      'all',
      'all: accept and process callbacks; webhook: only accept (enqueue); worker: only process. Split roles need queue_type = "advanced".',
    ),
    webhook_body_limit: size('2 MB', 1024, 'Largest callback body accepted by the webhook (larger → 413).'),
    webhook_max_refusals_per_ip: int(
      600,
      1,
      10_000_000,
      'Refused callbacks (the one 401: no key, a wrong key, an Appid not the key’s) allowed per client IP per webhook_refusal_window; more → 429 WEBHOOK_RATE_LIMITED. Accepted callbacks are never counted.',
    ),
    webhook_refusal_window: duration('1m', 1_000, 'Window of the per-IP limit on refused callbacks.'),
    webhook_key_grace: duration(
      '24h',
      0,
      'After a robot’s callback key is rotated, the previous key (its old callback URL) still works this long, so Gewe can be given the new URL without losing callbacks.',
    ),
    allow_link_local_targets: bool(
      false,
      'Let the server call link-local (169.254.0.0/16, fe80::/10), 0.0.0.0/8 and cloud-metadata addresses (169.254.169.254, fd00:ec2::254, 100.100.100.200, metadata.google.internal…) as a robot baseUrl/downloadUrl, media URL or alert webhook. Off: refused, also when a host name resolves to one. Loopback and private LAN are always allowed.',
    ),
    headers_timeout: duration(
      '20s',
      1_000,
      'A client must send a request’s headers within this time, or the connection is closed (slow-header clients).',
    ),
    request_timeout: duration(
      '60s',
      1_000,
      'A client must send a whole request (headers and body) within this time (408). Not a limit on the answer: live events stream on.',
    ),
    keep_alive_timeout: duration(
      '65s',
      1_000,
      'An idle keep-alive connection is closed after this. Keep it longer than the reverse proxy’s upstream idle timeout (nginx and most load balancers: 60 s), so the proxy closes first and never reuses a closing connection (a 502).',
    ),
    idle_timeout: duration(
      '5m',
      1_000,
      'A connection on which nothing was sent or received for this long is closed (a client that stopped reading). Live events send a heartbeat every 15 s.',
    ),
  },
  database: {
    type: oneOf(['sqlite', 'mysql'] as const, 'sqlite', 'Database engine.'),
    sqlite_file: str('./data/opengewe.db', 'SQLite database file (type = "sqlite").', { minLength: 1 }),
    mysql_user: str('root', 'MySQL user.'),
    mysql_password: str('', 'MySQL password.', { sensitive: true }),
    mysql_host: str('localhost', 'MySQL host.', { minLength: 1 }),
    mysql_port: int(3306, 1, 65535, 'MySQL port.'),
    mysql_database: str('opengewe', 'MySQL database name.', {
      pattern: /^[A-Za-z0-9_$]{1,64}$/,
      patternHint: 'letters, digits, _ or $',
    }),
    connect_args: obj('Extra driver options passed to mysql2 (e.g. { ssl = { rejectUnauthorized = true } }).'),
  },
  redis: {
    host: str('localhost', 'Redis host.', { minLength: 1 }),
    port: int(6379, 1, 65535, 'Redis port.'),
    db: int(0, 0, 255, 'Redis database index.'),
    password: str('', 'Redis password.', { sensitive: true }),
    prefix: str('opengewe:', 'Prefix of every Redis key this service writes.'),
  },
  queue: {
    queue_type: oneOf(
      ['simple', 'advanced'] as const,
      'simple',
      'simple: in-process queue with a database inbox; advanced: BullMQ on Redis.',
    ),
    broker: str('redis://localhost:6379/0', 'Redis URL of the BullMQ queue (queue_type = "advanced").', {
      pattern: REDIS_URL,
      patternHint: 'a redis:// or rediss:// URL',
    }),
    backend: str('redis://localhost:6379/0', 'Redis URL for job results (kept for OpenGewe compatibility).', {
      pattern: REDIS_URL,
      patternHint: 'a redis:// or rediss:// URL',
    }),
    name: str('opengewe_messages', 'Queue name.', { pattern: /^[\w.-]{1,64}$/, patternHint: 'letters, digits, _ . -' }),
    concurrency: int(16, 1, 256, 'Callbacks processed in parallel (per instance that processes them).'),
    attempts: int(5, 1, 100, 'Attempts to process a callback before it becomes a failed job (dead letter).'),
    backoff: duration('2s', 10, 'Wait before the second attempt; doubles with each further attempt.'),
    dedup_window: duration(
      '48h',
      60_000,
      'Advanced queue: how long a processed callback id is remembered (Gewe resends hours later).',
    ),
    message_retention: duration('30d', 3_600_000, 'Message log rows older than this are deleted.'),
    lock_duration: duration(
      '30s',
      1000,
      'Advanced queue: how long a worker holds a job without renewing its lock (renewed every half of it). The jobs of a worker that died are taken over once their lock has expired.',
    ),
    stalled_interval: duration(
      '30s',
      100,
      'Advanced queue: how often workers look for jobs whose lock expired (their worker died) and queue them again.',
    ),
  },
  gewe: {
    base_url: str('http://127.0.0.1:2531/v2/api', 'Default Gewe API base URL for new robots.', {
      pattern: HTTP_URL,
      patternHint: URL_HINT,
      outbound: true,
    }),
    download_url: str('', 'Default Gewe file download base URL (Gewechat); empty if not used.', {
      pattern: HTTP_URL_OR_EMPTY,
      patternHint: 'empty or ' + URL_HINT,
      outbound: true,
    }),
    callback_url: str('', 'Public URL of this service\'s webhook, e.g. "http://your_domain_or_ip:5433/api/webhook".', {
      pattern: HTTP_URL_OR_EMPTY,
      patternHint: 'empty or ' + URL_HINT,
    }),
    app_id: str('', 'Default appId (a robot created from this file); empty for none.'),
    token: str('', 'Default Gewe token (X-GEWE-TOKEN).', { sensitive: true }),
    is_gewe: bool(true, 'true: paid GeWeAPI; false: self-hosted Gewechat.'),
    request_timeout: duration('15s', 100, 'Timeout of one Gewe API call.'),
    max_response_size: size('10 MB', 1024, 'Largest Gewe API response accepted.'),
    health_check_interval: duration('60s', 100, 'How often online robots are checked with checkOnline.'),
    login_poll_interval: duration('5s', 50, 'How often a pending QR login is polled with checkLogin.'),
    login_timeout: duration('5m', 1000, 'A QR login that is not completed within this time ends as expired.'),
    reconnect_attempts: int(5, 0, 100, 'Reconnection attempts when Gewe reports an online robot offline.'),
    reconnect_backoff: duration(
      '5s',
      10,
      'Wait after a failed reconnection attempt; doubles after each failure (max 5 min).',
    ),
    send_min_interval: duration('1s', 0, 'Least time between two sends of one robot (against bans).'),
    send_jitter: duration('500ms', 0, 'Random extra wait added to send_min_interval.'),
    send_max_per_minute: int(30, 1, 10_000, 'Most sends of one robot in any 60 seconds.'),
  },
  plugins: {
    plugins_dir: str('plugins', 'Directory scanned for plugins.', { minLength: 1 }),
    enabled_plugins: list(['ExamplePlugin'], 'Plugins enabled on first discovery.'),
    disabled_plugins: list([], 'Plugins never loaded.'),
    handler_timeout: duration('10s', 10, 'A plugin handler still running after this is abandoned (the others go on).'),
    max_consecutive_failures: int(
      5,
      1,
      1000,
      'A plugin whose handlers fail this many times in a row is disabled automatically.',
    ),
    timezone: str('Asia/Shanghai', 'Timezone of plugin cron schedules.', { minLength: 1 }),
    deferred_timeout: duration(
      '2m',
      1000,
      "Work a plugin defers past its handler (ctx.defer: a model's answer) is abandoned after this.",
    ),
    catch_up_after: duration(
      '3m',
      1000,
      'A message written longer ago than this when it arrives is catch-up (WeChat delivering what came while the robot was offline): plugins see it as such.',
    ),
  },
  files: {
    root: str(
      './data/files',
      'Directory of downloaded media (content-addressed: <root>/<sha256[0:2]>/<sha256>.<ext>).',
      { minLength: 1 },
    ),
    max_size: size('100 MB', 1024, 'Largest file downloaded; a larger one is aborted and recorded as failed.'),
    max_total_size: size('10 GB', 1024, 'The store is trimmed to this size, oldest files first (hourly).'),
    retention: duration('30d', 60_000, 'Files older than this are deleted (hourly).'),
    auto_download: list(
      MEDIA_KINDS,
      'Media kinds downloaded automatically when a message arrives (a robot can override it with config.autoDownload); plugins can still ask for the others.',
      MEDIA_KINDS,
    ),
    attempts: int(5, 1, 100, 'Tries per download before it is recorded as failed.'),
    backoff: duration('5s', 10, 'Wait before the second try; doubles with each further try.'),
    concurrency: int(2, 1, 64, 'Downloads run in parallel by one instance.'),
    download_timeout: duration('120s', 1000, 'Longest time one file may take to download.'),
  },
  onebot: {
    file_roots: list(
      [],
      'Directories a OneBot client may send file:// media from (the path resolved, symlinks and .. included: nothing outside them). Empty: file:// sources are refused.',
    ),
    media_ttl: duration(
      '10m',
      10_000,
      'Lifetime of the signed media URLs of the OneBot gateway (inbound media, and base64:// or file:// sources hosted for Gewe to fetch); hosted copies are deleted after it.',
    ),
    media_max_total: size(
      '256 MB',
      1024,
      'Most bytes of base64:// and file:// sources hosted for Gewe at once; a source that does not fit is refused.',
    ),
  },
  directory: {
    sync_pause: duration(
      '300ms',
      0,
      "Pause between Gewe calls of a directory sync (the robot's contacts and groups) and of the look-ups of chats first seen in callbacks: Gewe and WeChat frown on bursts of profile reads.",
    ),
  },
  metrics: {
    enabled: bool(false, 'Serve Prometheus metrics at GET /metrics (outside /api). Off: /metrics answers 404.'),
    token: str(
      '',
      'Bearer token a scraper must send (Authorization: Bearer <token>), at least 16 characters. Required when enabled with NODE_ENV=production; empty elsewhere leaves /metrics open.',
      { sensitive: true },
    ),
  },
  audit: {
    retention_days: int(
      180,
      0,
      36500,
      'Audit log rows older than this many days are deleted (checked hourly); 0 keeps them forever.',
    ),
  },
  alerts: {
    enabled: bool(true, 'Evaluate the alert rules (one instance at a time) and record incidents at GET /api/alerts.'),
    evaluate_interval: duration('30s', 100, 'How often the rules are evaluated.'),
    rules: list(
      ALERT_RULES,
      'Rules that are evaluated (runtime setting). robot_offline, login_needs_scan, no_callback, plugin_auto_disabled, failed_jobs, queue_depth, gewe_error_rate.',
      ALERT_RULES,
    ),
    robot_offline_after: duration(
      '5m',
      0,
      'robot_offline: a robot that was logged in and is offline or reconnecting for this long (runtime setting).',
    ),
    no_callback_after: duration(
      '60m',
      60_000,
      'no_callback: an online robot that received no callback for this long (runtime setting).',
    ),
    failed_jobs_threshold: int(10, 1, 1_000_000, 'failed_jobs: more failed jobs than this (runtime setting).'),
    queue_depth_threshold: int(
      1000,
      1,
      100_000_000,
      'queue_depth: more callbacks waiting, active or delayed than this (runtime setting).',
    ),
    gewe_error_rate_percent: int(
      50,
      1,
      100,
      'gewe_error_rate: this percentage of Gewe calls or more failed within gewe_error_rate_window (runtime setting).',
    ),
    gewe_error_rate_window: duration(
      '5m',
      60_000,
      'Window of the Gewe error rate, in whole minutes (runtime setting).',
    ),
    gewe_error_rate_min_calls: int(
      20,
      1,
      1_000_000,
      'The Gewe error rate is judged only on at least this many calls in the window (runtime setting).',
    ),
    resolve_after: duration(
      '1m',
      0,
      'An alert resolves once its condition has been clear this long; a condition that comes back sooner stays the same incident (runtime setting).',
    ),
    webhook_url: str('', 'Channel: POST each batch of alerts as JSON to this URL; empty for none (runtime setting).', {
      pattern: HTTP_URL_OR_EMPTY,
      patternHint: 'empty or ' + URL_HINT,
      outbound: true,
    }),
    webhook_secret: str(
      '',
      'When set, each webhook request carries X-OpenGewe-Signature: sha256=<HMAC-SHA256 of the body with this secret> (runtime setting).',
      { sensitive: true },
    ),
    webhook_timeout: duration('5s', 100, 'Timeout of one webhook request (runtime setting).'),
    webhook_attempts: int(3, 1, 10, 'Tries per webhook delivery (runtime setting).'),
    webhook_backoff: duration('1s', 10, 'Wait before the second try; doubles with each further try (runtime setting).'),
    wechat_robot_id: int(
      0,
      0,
      2_147_483_647,
      'Channel: the robot (id) that sends alerts as WeChat texts, through its send governor; 0 for none (runtime setting).',
    ),
    wechat_to: list([], 'The wxids (people or groups) the WeChat channel writes to (runtime setting).'),
  },
  outbound_webhooks: {
    allow_private_targets: bool(
      false,
      'Let outbound webhooks (POST /api/outbound-webhooks) call loopback, private (RFC 1918), CGNAT and ULA addresses. Off: refused when a subscription is saved and again at connect time. Link-local and cloud-metadata addresses follow backend.allow_link_local_targets.',
    ),
    attempts: int(
      8,
      1,
      30,
      'Tries per delivery; after the last failed one the delivery is a dead letter (replayable).',
    ),
    backoff: duration(
      '10s',
      10,
      'Wait before the second try of a delivery; doubles with each further try (with jitter).',
    ),
    max_backoff: duration('1h', 10, 'No wait between two tries of a delivery is longer than this.'),
    timeout: duration('10s', 100, 'Timeout of one delivery try (connect, answer and its first 500 characters).'),
    concurrency: int(4, 1, 64, 'Deliveries tried at a time by one instance.'),
    log_retention: duration(
      '7d',
      60_000,
      'The delivery log (tries) and delivered deliveries older than this are deleted (checked hourly); dead letters stay until replayed.',
    ),
  },
  logging: {
    level: oneOf(LOG_LEVELS, 'info', 'Lowest level logged (changeable at runtime).', LOG_LEVEL_ALIASES),
    format: oneOf(['color', 'json', 'simple'] as const, 'color', 'Console format. The log file is always JSON lines.'),
    rotation: size('500 MB', 1024, 'Rotate the log file when it reaches this size.'),
    retention: duration('10 days', 60_000, 'Delete rotated log files older than this.'),
    compression: oneOf(['gzip', 'none'] as const, 'gzip', 'Compression of rotated files ("zip" is read as gzip).', {
      zip: 'gzip',
      gz: 'gzip',
      '': 'none',
    }),
    max_files: int(20, 1, 10_000, 'Keep at most this many rotated log files; the oldest go first.'),
    max_total_size: size(
      '2 GB',
      1024,
      'Keep the rotated log files under this total size; the oldest go first. The live file adds up to logging.rotation.',
    ),
    rejected_log_limit: int(
      20,
      0,
      1_000_000,
      'Access-log lines of refused requests (4xx) written per status and route in each rejected_log_window; the rest are counted in one "suppressed" line. 0: no limit.',
    ),
    rejected_log_window: duration('1m', 1_000, 'Window of logging.rejected_log_limit.'),
    path: str('./logs', 'Directory of the log file (opengewe.log); empty disables the file.'),
    stdout: bool(true, 'Write logs to the console.'),
  },
} as const;

export type ConfigSchema = typeof CONFIG_SCHEMA;
type ValueOf<F> = F extends FieldBase<infer T> ? T : never;
export type AppConfigShape = {
  readonly [S in keyof ConfigSchema]: { readonly [K in keyof ConfigSchema[S]]: ValueOf<ConfigSchema[S][K]> };
};
