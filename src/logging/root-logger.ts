import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pino, { DestinationStream, Logger, StreamEntry } from 'pino';
import pretty from 'pino-pretty';
import { createStream, RotatingFileStream } from 'rotating-file-stream';
import { AppConfig, logFilePath } from '../config/app-config';
import { LogLevel } from '../config/config-schema';
import { PeriodicTask } from '../common/periodic-task';
import { queryParamName } from '../common/url-secrets';

/** Values written under these paths are replaced by "[REDACTED]" in every log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-gewe-token"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.secret_key',
  '*.secretKey',
  '*.mysql_password',
  '*.authorization',
];

/** Names of query parameters that carry credentials (the webhook key, tokens). */
const CREDENTIAL_PARAMS = new Set(['key', 'token', 'access_token', 'refresh_token', 'password', 'secret']);

/**
 * Query parameters that carry credentials are masked in logged URLs — in every shape a caller may send them, since
 * the logged text is the raw URL: `key=`, `KEY=`, `key[]=`, `key[0]=`, `%6Bey=`, `a[key]=`… A parameter is masked
 * when a word of its decoded name (split at anything but letters, digits and `_`) is a credential name.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  return url.slice(0, q + 1) + url.slice(q + 1).replace(/[^&#]+/g, redactParam);
}

function redactParam(param: string): string {
  const eq = param.indexOf('=');
  return eq >= 0 && isCredentialName(param.slice(0, eq)) ? `${param.slice(0, eq + 1)}[REDACTED]` : param;
}

function isCredentialName(raw: string): boolean {
  return queryParamName(raw)
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .some((word) => CREDENTIAL_PARAMS.has(word));
}

export interface RootLogger {
  logger: Logger;
  /** Absolute path of the live log file, or null when file logging is off. */
  file: string | null;
  /**
   * Calls `listener` with every line logged (the JSON line as written to the file: already redacted), until the
   * returned function is called. A listener must not throw and must stay cheap: it runs inside every log call.
   */
  tap(listener: (line: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * The process-wide pino logger: console in the configured format, plus a JSON-lines file rotated by size, gzip
 * compressed, and swept by age. Both streams pass everything; the root logger's level is the one filter, so changing
 * it at runtime takes effect at once.
 */
export function createRootLogger(config: AppConfig, level: LogLevel = config.logging.level): RootLogger {
  const streams: StreamEntry[] = [];
  const log = config.logging;
  if (log.stdout) {
    let out: DestinationStream;
    if (log.format === 'json') out = pino.destination({ dest: 1, sync: false });
    else
      out = pretty({
        colorize: log.format === 'color',
        singleLine: log.format === 'simple',
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,hostname',
        sync: false,
      });
    streams.push({ level: 'trace', stream: out });
  }
  const file = logFilePath(config);
  let fileStream: RotatingFileStream | undefined;
  let sweeper: PeriodicTask | undefined;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    fileStream = openRotatingFile(file, log.rotation, log.compression === 'gzip');
    streams.push({ level: 'trace', stream: fileStream });
    const limits = { maxFiles: log.max_files, maxTotalBytes: log.max_total_size };
    const sweep = () => sweepRotatedLogs(file, log.retention, Date.now(), limits);
    sweep();
    // after every rotation too: a flood that rotates the file every few minutes must not wait an hour for the sweep
    fileStream.on('rotated', sweep);
    sweeper = new PeriodicTask({
      name: 'Log retention sweep',
      intervalMs: 3_600_000,
      run: sweep,
      // the root logger below (defined by the time the first run is due); the Nest logger may not exist yet
      onError: (err) => logger.error({ err, context: 'LogRetention' }, 'Log retention sweep failed'),
    });
    sweeper.start();
  }
  // Live log events (GET /api/events?logLevel=) read the lines here, in the redacted form the file gets.
  const taps = new Set<(line: string) => void>();
  streams.push({
    level: 'trace',
    stream: {
      write: (line: string) => {
        for (const t of taps) t(line);
      },
    },
  });
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    file,
    tap: (listener) => {
      taps.add(listener);
      return () => taps.delete(listener);
    },
    close: async () => {
      await sweeper?.stop();
      logger.flush();
      if (fileStream) await new Promise<void>((done) => fileStream.end(done));
    },
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Rotated files are named opengewe-YYYYMMDD-HHMMSS-N.log[.gz]; the live file keeps its name. */
function openRotatingFile(file: string, maxBytes: number, gzip: boolean): RotatingFileStream {
  const name = basename(file);
  const stem = name.replace(/\.log$/, '');
  return createStream(
    (time: number | Date, index?: number) => {
      if (!time) return name;
      const t = typeof time === 'number' ? new Date(time) : time;
      const stamp = `${t.getFullYear()}${pad(t.getMonth() + 1)}${pad(t.getDate())}-${pad(t.getHours())}${pad(t.getMinutes())}${pad(t.getSeconds())}`;
      return `${stem}-${stamp}-${index ?? 1}.log${gzip ? '.gz' : ''}`;
    },
    { path: dirname(file), size: `${Math.max(1, Math.floor(maxBytes / 1024))}K`, compress: gzip ? 'gzip' : false },
  );
}

/** Rotated log files of `file`, oldest first. */
export function rotatedLogFiles(file: string): string[] {
  const dir = dirname(file);
  const stem = basename(file).replace(/\.log$/, '');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = new RegExp(`^${stem}-\\d{8}-\\d{6}-\\d+\\.log(\\.gz)?$`);
  return names
    .filter((n) => re.test(n))
    .sort((a, b) => {
      const [, ta, ia] = /-(\d{8}-\d{6})-(\d+)/.exec(a)!;
      const [, tb, ib] = /-(\d{8}-\d{6})-(\d+)/.exec(b)!;
      return ta === tb ? Number(ia) - Number(ib) : ta < tb ? -1 : 1;
    })
    .map((n) => join(dir, n));
}

export interface LogRetentionLimits {
  /** Keep at most this many rotated files (`logging.max_files`). */
  maxFiles?: number;
  /** Keep the rotated files under this many bytes in total (`logging.max_total_size`). */
  maxTotalBytes?: number;
}

/**
 * Deletes rotated files of `file` older than `retentionMs`, then the oldest of the rest until at most `maxFiles`
 * are left and they take at most `maxTotalBytes`: age alone let a flood of log lines fill the disk within the
 * retention. The live file is never touched. Returns the files deleted, oldest first.
 */
export function sweepRotatedLogs(
  file: string,
  retentionMs: number,
  now = Date.now(),
  limits: LogRetentionLimits = {},
): string[] {
  const removed: string[] = [];
  const kept: { path: string; size: number }[] = [];
  const remove = (f: string) => {
    try {
      unlinkSync(f);
      removed.push(f);
      return true;
    } catch {
      return false; // a file that vanished or cannot be removed is tried again at the next sweep
    }
  };
  for (const f of rotatedLogFiles(file)) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue;
    }
    if (now - st.mtimeMs > retentionMs) remove(f);
    else kept.push({ path: f, size: st.size });
  }
  let total = kept.reduce((sum, k) => sum + k.size, 0);
  const maxFiles = limits.maxFiles ?? Infinity;
  const maxBytes = limits.maxTotalBytes ?? Infinity;
  let left = kept.length;
  for (const k of kept) {
    if (left <= maxFiles && total <= maxBytes) break;
    if (remove(k.path)) {
      total -= k.size;
      left--;
    }
  }
  return removed;
}
