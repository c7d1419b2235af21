import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { LOG_LEVELS, LogLevel } from '../config/config-schema';
import { rotatedLogFiles } from './root-logger';

const LEVEL_RANK: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i]));

export interface LogQuery {
  level?: LogLevel;
  since?: Date;
  source?: string;
  requestId?: string;
  /** Text in the message or any field (case-insensitive). */
  q?: string;
  page: number;
  limit: number;
}

export interface LogEntry {
  time: string;
  level: LogLevel;
  message: string;
  source: string | null;
  requestId: string | null;
  /** Every other field of the line (already redacted when it was written). */
  details: Record<string, unknown>;
}

/** Turns one JSON log line into an entry; null for lines that are not ours. */
export function parseLogLine(line: string): LogEntry | null {
  if (!line.startsWith('{')) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const level = typeof o.level === 'string' ? o.level : typeof o.level === 'number' ? numericLevel(o.level) : null;
  if (!level || !(level in LEVEL_RANK) || typeof o.time !== 'string') return null;
  const { time, level: _l, msg, context, requestId, req, pid: _p, hostname: _h, ...details } = o;
  const reqId =
    typeof requestId === 'string'
      ? requestId
      : typeof (req as { id?: unknown })?.id === 'string'
        ? (req as { id: string }).id
        : null;
  if (req) details.req = req;
  return {
    time: time,
    level: level as LogLevel,
    message: typeof msg === 'string' ? msg : '',
    source: typeof context === 'string' ? context : null,
    requestId: reqId,
    details,
  };
}

function numericLevel(n: number): string | null {
  return { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[n] ?? null;
}

export function matches(e: LogEntry, q: LogQuery): boolean {
  if (q.level && LEVEL_RANK[e.level] < LEVEL_RANK[q.level]) return false;
  if (q.since && Date.parse(e.time) < q.since.getTime()) return false;
  if (q.source && e.source !== q.source) return false;
  if (q.requestId && e.requestId !== q.requestId) return false;
  if (q.q) {
    const needle = q.q.toLowerCase();
    const hay = [e.message, e.source ?? '', e.requestId ?? '', JSON.stringify(e.details)];
    if (!hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Characters JSON.stringify writes escaped (quote, backslash, control characters). */
function hasJsonEscapes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}

/**
 * Queries the JSON-lines log file and its rotated (possibly gzipped) predecessors, newest first. Two streaming passes
 * (count, then collect one page) keep memory at one page whatever the size of the logs.
 */
export async function queryLogs(file: string | null, q: LogQuery): Promise<{ items: LogEntry[]; total: number }> {
  if (!file) return { items: [], total: 0 };
  const files = [...rotatedLogFiles(file), ...(existsSync(file) ? [file] : [])];
  // a needle with characters JSON escapes (quotes, backslashes, controls) may not appear as typed in the line
  const needle = q.q && !hasJsonEscapes(q.q) ? q.q.toLowerCase() : null;
  const scan = async (visit: (e: LogEntry) => void) => {
    for (const f of files) {
      let input: NodeJS.ReadableStream;
      try {
        const raw = createReadStream(f);
        input = f.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
      } catch {
        continue;
      }
      const rl = createInterface({ input, crlfDelay: Infinity });
      try {
        for await (const line of rl) {
          // Cheap pre-filter before JSON.parse on the hot path of a large file.
          if (q.requestId && !line.includes(q.requestId)) continue;
          if (needle && !line.toLowerCase().includes(needle)) continue;
          const e = parseLogLine(line);
          if (e && matches(e, q)) visit(e);
        }
      } catch {
        // a rotated file deleted mid-read or a truncated gzip: skip the rest of it
      }
    }
  };
  let total = 0;
  await scan(() => total++);
  // newest first: page 1 is the last `limit` matches of the chronological stream.
  const end = total - (q.page - 1) * q.limit;
  const start = Math.max(0, end - q.limit);
  if (end <= 0) return { items: [], total };
  const items: LogEntry[] = [];
  let i = 0;
  await scan((e) => {
    if (i >= start && i < end) items.push(e);
    i++;
  });
  return { items: items.reverse(), total };
}
