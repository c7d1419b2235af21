import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LogLevel } from '../../src/config/config-schema';
import { redactUrl, rotatedLogFiles, sweepRotatedLogs } from '../../src/logging/root-logger';
import { LogEntry, LogQuery, parseLogLine, queryLogs } from '../../src/logging/log-reader';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opengewe-logs-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('parseLogLine', () => {
  it('reads a pino JSON line with a string level', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2024-05-01T10:00:00.000Z',
      pid: 123,
      hostname: 'box',
      context: 'AuthService',
      requestId: 'req-1',
      msg: 'user logged in',
      userId: 7,
    });
    expect(parseLogLine(line)).toEqual({
      time: '2024-05-01T10:00:00.000Z',
      level: 'info',
      message: 'user logged in',
      source: 'AuthService',
      requestId: 'req-1',
      details: { userId: 7 },
    });
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
  ])('maps the numeric level %d to %s', (numeric, name) => {
    const e = parseLogLine(JSON.stringify({ level: numeric, time: '2024-05-01T10:00:00.000Z', msg: 'x' }));
    expect(e?.level).toBe(name);
  });

  it('ignores a line with an unknown numeric level', () => {
    expect(parseLogLine(JSON.stringify({ level: 35, time: '2024-05-01T10:00:00.000Z', msg: 'x' }))).toBeNull();
  });

  it('reads a line without a requestId, context or message as nulls and an empty message', () => {
    const e = parseLogLine(JSON.stringify({ level: 'warn', time: '2024-05-01T10:00:00.000Z' }));
    expect(e).toEqual({
      time: '2024-05-01T10:00:00.000Z',
      level: 'warn',
      message: '',
      source: null,
      requestId: null,
      details: {},
    });
  });

  it('takes the request id from req.id and keeps req in the details', () => {
    const req = { id: 'req-9', method: 'GET', url: '/api/health' };
    const e = parseLogLine(JSON.stringify({ level: 'info', time: '2024-05-01T10:00:00.000Z', msg: 'done', req }));
    expect(e?.requestId).toBe('req-9');
    expect(e?.details).toEqual({ req });
  });

  it('prefers an explicit requestId over req.id', () => {
    const e = parseLogLine(
      JSON.stringify({ level: 'info', time: '2024-05-01T10:00:00.000Z', requestId: 'outer', req: { id: 'inner' } }),
    );
    expect(e?.requestId).toBe('outer');
  });

  it('uses context as the source only when it is a string', () => {
    const withContext = parseLogLine(JSON.stringify({ level: 'info', time: '2024-05-01T10:00:00Z', context: 'Db' }));
    const badContext = parseLogLine(JSON.stringify({ level: 'info', time: '2024-05-01T10:00:00Z', context: 5 }));
    expect(withContext?.source).toBe('Db');
    expect(badContext?.source).toBeNull();
  });

  it.each([
    ['plain text', 'Server started on port 5433'],
    ['an empty line', ''],
    ['broken JSON', '{"level":"info","time":'],
    ['a JSON array', '["info"]'],
    ['JSON with leading spaces', '  {"level":"info","time":"2024-05-01T10:00:00.000Z"}'],
    ['JSON without a level', '{"time":"2024-05-01T10:00:00.000Z","msg":"x"}'],
    ['JSON with an unknown level name', '{"level":"verbose","time":"2024-05-01T10:00:00.000Z"}'],
    ['JSON with an epoch number as time', '{"level":"info","time":1714557600000}'],
    ['JSON without a time', '{"level":"info","msg":"x"}'],
  ])('ignores %s', (_what, line) => {
    expect(parseLogLine(line)).toBeNull();
  });
});

/** One fixture entry: the n-th log line in chronological order. */
interface Fixture {
  n: number;
  level: LogLevel;
  source: string;
  requestId?: string;
}

const BASE = Date.parse('2024-05-01T00:00:00.000Z');
const timeOf = (n: number) => new Date(BASE + n * 60_000).toISOString();
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** 20 entries: levels cycle debug/info/warn/error, sources alternate, req-abc on entries 3 and 17. */
const FIXTURES: Fixture[] = Array.from({ length: 20 }, (_, i) => {
  const n = i + 1;
  return {
    n,
    level: LEVELS[n % 4],
    source: n % 2 ? 'Webhook' : 'Auth',
    ...(n === 3 || n === 17 ? { requestId: 'req-abc' } : {}),
  };
});

function lineOf(f: Fixture): string {
  return JSON.stringify({
    level: f.level,
    time: timeOf(f.n),
    pid: 1,
    hostname: 'h',
    context: f.source,
    ...(f.requestId ? { requestId: f.requestId } : {}),
    msg: `entry ${f.n}`,
  });
}

const linesFor = (from: number, to: number) => FIXTURES.filter((f) => f.n >= from && f.n <= to).map(lineOf);

/**
 * Entries 1-5 in an old gzipped rotation, 6-10 in a later plain one with the same timestamp and index 2, 11-15 in a
 * gzipped rotation of the next day, 16-20 in the live file. Noise lines are mixed in and must be ignored.
 */
function writeLogDir(): string {
  const file = join(dir, 'opengewe.log');
  writeFileSync(
    join(dir, 'opengewe-20240501-000000-1.log.gz'),
    gzipSync([...linesFor(1, 5), 'not json at all', ''].join('\n') + '\n'),
  );
  writeFileSync(join(dir, 'opengewe-20240501-000000-2.log'), [...linesFor(6, 10)].join('\n') + '\n');
  writeFileSync(join(dir, 'opengewe-20240502-093000-1.log.gz'), gzipSync(linesFor(11, 15).join('\n') + '\n'));
  // a line mentioning req-abc in its message but belonging to another request (matched text, not the field)
  const decoy = JSON.stringify({
    level: 'info',
    time: timeOf(15.5),
    context: 'Auth',
    requestId: 'req-x',
    msg: 'req-abc',
  });
  writeFileSync(file, ['{"partial":', decoy, ...linesFor(16, 20)].join('\n') + '\n');
  // unrelated files in the same directory are never read
  writeFileSync(join(dir, 'other.log'), lineOf({ n: 99, level: 'fatal', source: 'Other' }) + '\n');
  return file;
}

const query = (q: Partial<LogQuery>): LogQuery => ({ page: 1, limit: 50, ...q });
const numbers = (items: LogEntry[]) => items.map((e) => Number(e.message.replace('entry ', '')));

describe('queryLogs', () => {
  it('returns every entry newest first across live, plain rotated and gzipped rotated files', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(file, query({}));
    expect(total).toBe(21);
    expect(items).toHaveLength(21);
    expect(items[0].message).toBe('entry 20');
    expect(items[items.length - 1].message).toBe('entry 1');
    const times = items.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('paginates newest first: page 2 continues where page 1 stopped', async () => {
    const file = writeLogDir();
    const page1 = await queryLogs(file, query({ source: 'Webhook', page: 1, limit: 4 }));
    const page2 = await queryLogs(file, query({ source: 'Webhook', page: 2, limit: 4 }));
    const page3 = await queryLogs(file, query({ source: 'Webhook', page: 3, limit: 4 }));
    expect(numbers(page1.items)).toEqual([19, 17, 15, 13]);
    expect(numbers(page2.items)).toEqual([11, 9, 7, 5]);
    expect(numbers(page3.items)).toEqual([3, 1]);
    expect([page1.total, page2.total, page3.total]).toEqual([10, 10, 10]);
  });

  it('returns an empty page past the end with the right total', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(file, query({ source: 'Webhook', page: 4, limit: 4 }));
    expect(items).toEqual([]);
    expect(total).toBe(10);
    const farAway = await queryLogs(file, query({ page: 100, limit: 10 }));
    expect(farAway).toEqual({ items: [], total: 21 });
  });

  it('filters by minimum level', async () => {
    const file = writeLogDir();
    const warn = await queryLogs(file, query({ level: 'warn' }));
    expect(numbers(warn.items)).toEqual([19, 18, 15, 14, 11, 10, 7, 6, 3, 2]);
    expect(warn.items.every((e) => e.level === 'warn' || e.level === 'error')).toBe(true);
    expect(warn.total).toBe(10);
    const error = await queryLogs(file, query({ level: 'error' }));
    expect(numbers(error.items)).toEqual([19, 15, 11, 7, 3]);
    const fatal = await queryLogs(file, query({ level: 'fatal' }));
    expect(fatal).toEqual({ items: [], total: 0 });
    const trace = await queryLogs(file, query({ level: 'trace' }));
    expect(trace.total).toBe(21);
  });

  it('filters by since, inclusive of entries at that instant', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(file, query({ since: new Date(timeOf(16)) }));
    expect(total).toBe(5);
    expect(numbers(items)).toEqual([20, 19, 18, 17, 16]);
  });

  it('filters by source', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(file, query({ source: 'Auth', limit: 3 }));
    expect(total).toBe(11); // ten fixtures plus the decoy line
    expect(items.map((e) => e.message)).toEqual(['entry 20', 'entry 18', 'entry 16']);
    expect(items.every((e) => e.source === 'Auth')).toBe(true);
  });

  it('filters by requestId, not by text that merely mentions it', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(file, query({ requestId: 'req-abc' }));
    expect(total).toBe(2);
    expect(numbers(items)).toEqual([17, 3]);
    expect(items.every((e) => e.requestId === 'req-abc')).toBe(true);
  });

  it('combines filters', async () => {
    const file = writeLogDir();
    const { items, total } = await queryLogs(
      file,
      query({ level: 'warn', source: 'Auth', since: new Date(timeOf(10)) }),
    );
    expect(numbers(items)).toEqual([18, 14, 10]);
    expect(total).toBe(3);
  });

  it('returns nothing for a null file', async () => {
    await expect(queryLogs(null, query({}))).resolves.toEqual({ items: [], total: 0 });
  });

  it('returns nothing when neither the file nor rotations exist', async () => {
    await expect(queryLogs(join(dir, 'opengewe.log'), query({}))).resolves.toEqual({ items: [], total: 0 });
    await expect(queryLogs(join(dir, 'missing', 'opengewe.log'), query({}))).resolves.toEqual({
      items: [],
      total: 0,
    });
  });

  it('reads rotated files when the live file does not exist yet', async () => {
    writeFileSync(join(dir, 'opengewe-20240501-000000-1.log.gz'), gzipSync(linesFor(1, 2).join('\n')));
    const { items, total } = await queryLogs(join(dir, 'opengewe.log'), query({}));
    expect(total).toBe(2);
    expect(numbers(items)).toEqual([2, 1]);
  });
});

describe('rotatedLogFiles', () => {
  it('lists rotated files oldest first by timestamp then by numeric index', () => {
    const names = [
      'opengewe-20240502-000000-1.log',
      'opengewe-20240501-120000-10.log.gz',
      'opengewe-20240501-120000-2.log.gz',
      'opengewe-20240501-120000-1.log',
      'opengewe-20231231-235959-3.log.gz',
    ];
    for (const n of names) writeFileSync(join(dir, n), '');
    expect(rotatedLogFiles(join(dir, 'opengewe.log'))).toEqual(
      [
        'opengewe-20231231-235959-3.log.gz',
        'opengewe-20240501-120000-1.log',
        'opengewe-20240501-120000-2.log.gz',
        'opengewe-20240501-120000-10.log.gz',
        'opengewe-20240502-000000-1.log',
      ].map((n) => join(dir, n)),
    );
  });

  it('ignores the live file and names that are not rotations of it', () => {
    for (const n of [
      'opengewe.log',
      'other-20240501-000000-1.log',
      'opengewe-2024-05-01.log',
      'opengewe-20240501-000000-1.txt',
      'opengewe-20240501-000000-1.log.bak',
      'opengewe-20240501-000000.log',
      'xopengewe-20240501-000000-1.log',
      'opengewe-20240501-000000-1.log',
    ])
      writeFileSync(join(dir, n), '');
    expect(rotatedLogFiles(join(dir, 'opengewe.log'))).toEqual([join(dir, 'opengewe-20240501-000000-1.log')]);
  });

  it('returns an empty list for a directory that does not exist', () => {
    expect(rotatedLogFiles(join(dir, 'nope', 'opengewe.log'))).toEqual([]);
  });
});

describe('sweepRotatedLogs', () => {
  const DAY = 86_400_000;

  function age(path: string, now: number, ageMs: number) {
    const t = (now - ageMs) / 1000;
    utimesSync(path, t, t);
  }

  it('deletes only rotated files older than the retention and never the live file', () => {
    const now = Date.now();
    const live = join(dir, 'opengewe.log');
    const oldGz = join(dir, 'opengewe-20240101-000000-1.log.gz');
    const oldPlain = join(dir, 'opengewe-20240102-000000-1.log');
    const recent = join(dir, 'opengewe-20240301-000000-1.log.gz');
    const unrelated = join(dir, 'notes-20240101-000000-1.log');
    for (const f of [live, oldGz, oldPlain, recent, unrelated]) writeFileSync(f, 'x');
    age(live, now, 30 * DAY);
    age(oldGz, now, 12 * DAY);
    age(oldPlain, now, 10 * DAY + 60_000);
    age(recent, now, 9 * DAY);
    age(unrelated, now, 30 * DAY);

    const removed = sweepRotatedLogs(live, 10 * DAY, now);

    expect(removed).toEqual([oldGz, oldPlain]);
    expect(existsSync(oldGz)).toBe(false);
    expect(existsSync(oldPlain)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });

  it('keeps everything when all rotations are within the retention', () => {
    const now = Date.now();
    const live = join(dir, 'opengewe.log');
    const rotated = join(dir, 'opengewe-20240101-000000-1.log.gz');
    writeFileSync(live, 'x');
    writeFileSync(rotated, 'x');
    age(rotated, now, DAY);
    expect(sweepRotatedLogs(live, 10 * DAY, now)).toEqual([]);
    expect(existsSync(rotated)).toBe(true);
  });

  it('uses the current time when none is given', () => {
    const live = join(dir, 'opengewe.log');
    const rotated = join(dir, 'opengewe-20240101-000000-1.log');
    writeFileSync(rotated, 'x');
    age(rotated, Date.now(), 2 * DAY);
    expect(sweepRotatedLogs(live, DAY)).toEqual([rotated]);
    expect(existsSync(rotated)).toBe(false);
  });

  it('does nothing for a missing directory', () => {
    expect(sweepRotatedLogs(join(dir, 'missing', 'opengewe.log'), DAY)).toEqual([]);
  });

  /** Rotated files of 100 bytes each, 1 to n days old (the first is the oldest), and the live file. */
  function rotations(n: number, now: number): { live: string; files: string[] } {
    const live = join(dir, 'opengewe.log');
    writeFileSync(live, 'x'.repeat(10_000));
    const files = Array.from({ length: n }, (_, i) =>
      join(dir, `opengewe-202401${String(i + 1).padStart(2, '0')}-000000-1.log.gz`),
    );
    files.forEach((f, i) => {
      writeFileSync(f, 'x'.repeat(100));
      age(f, now, (n - i) * DAY);
    });
    return { live, files };
  }

  it('keeps at most max_files rotated files, deleting the oldest first', () => {
    const now = Date.now();
    const { live, files } = rotations(5, now);
    expect(sweepRotatedLogs(live, 30 * DAY, now, { maxFiles: 2 })).toEqual(files.slice(0, 3));
    expect(files.map((f) => existsSync(f))).toEqual([false, false, false, true, true]);
    expect(existsSync(live)).toBe(true);
  });

  it('keeps the rotated files under max_total_size, deleting the oldest first and never the live file', () => {
    const now = Date.now();
    const { live, files } = rotations(5, now);
    expect(sweepRotatedLogs(live, 30 * DAY, now, { maxTotalBytes: 250 })).toEqual(files.slice(0, 3));
    expect(sweepRotatedLogs(live, 30 * DAY, now, { maxTotalBytes: 50 })).toEqual(files.slice(3));
    expect(existsSync(live)).toBe(true);
  });

  it('applies the age, the count and the size together', () => {
    const now = Date.now();
    const { live, files } = rotations(6, now);
    // age takes the two oldest (6 and 5 days), the count one more, the size none
    expect(sweepRotatedLogs(live, 4.5 * DAY, now, { maxFiles: 3, maxTotalBytes: 1000 })).toEqual(files.slice(0, 3));
  });
});

describe('redactUrl', () => {
  it.each(['key', 'token', 'access_token', 'refresh_token', 'password', 'secret'])(
    'masks the %s query value',
    (param) => {
      expect(redactUrl(`/api/webhook?${param}=s3cr3t`)).toBe(`/api/webhook?${param}=[REDACTED]`);
    },
  );

  it('masks credentials in any position and leaves other parameters', () => {
    expect(redactUrl('/api/webhook?robot=1&key=abc123&page=2&token=t0k#frag')).toBe(
      '/api/webhook?robot=1&key=[REDACTED]&page=2&token=[REDACTED]#frag',
    );
  });

  it('matches parameter names case-insensitively', () => {
    expect(redactUrl('/cb?KEY=abc&Password=pw')).toBe('/cb?KEY=[REDACTED]&Password=[REDACTED]');
  });

  it('masks an empty credential value without changing the rest', () => {
    expect(redactUrl('/cb?key=&x=1')).toBe('/cb?key=[REDACTED]&x=1');
  });

  it('leaves parameters that only contain a credential word', () => {
    const url = '/cb?monkey=1&keyword=2&api_token_type=bearer&tokens=3';
    expect(redactUrl(url)).toBe(url);
  });

  it.each([
    ['key[]=s3cr3t', 'key[]=[REDACTED]'],
    ['key[0]=s3cr3t', 'key[0]=[REDACTED]'],
    ['key[a][b]=s3cr3t', 'key[a][b]=[REDACTED]'],
    ['key%5B%5D=s3cr3t', 'key%5B%5D=[REDACTED]'],
    ['%6Bey=s3cr3t', '%6Bey=[REDACTED]'],
    ['%6B%65%79=s3cr3t', '%6B%65%79=[REDACTED]'],
    ['k%65y[x]=s3cr3t', 'k%65y[x]=[REDACTED]'],
    ['a[key]=s3cr3t', 'a[key]=[REDACTED]'],
    ['key.x=s3cr3t', 'key.x=[REDACTED]'],
    ['key+=s3cr3t', 'key+=[REDACTED]'],
    ['%20KEY%20=s3cr3t', '%20KEY%20=[REDACTED]'],
    ['x=1&key=a&key=s3cr3t', 'x=1&key=[REDACTED]&key=[REDACTED]'],
    ['key=s3cr3t=more', 'key=[REDACTED]'],
  ])('masks a key passed in another shape: %s', (query, masked) => {
    expect(redactUrl(`/api/webhook?${query}`)).toBe(`/api/webhook?${masked}`);
  });

  it('judges a name that is not valid percent-encoding by its raw text', () => {
    expect(redactUrl('/api/webhook?key%zz=s3cr3t&%E0%A4%A=1')).toBe('/api/webhook?key%zz=[REDACTED]&%E0%A4%A=1');
    expect(redactUrl('/api/webhook?key[%zz]=s3cr3t')).toBe('/api/webhook?key[%zz]=[REDACTED]');
  });

  it('masks a key after a fragment mark too', () => {
    expect(redactUrl('/api/webhook?x=1#&key=s3cr3t')).toBe('/api/webhook?x=1#&key=[REDACTED]');
  });

  it('leaves credential words in the path alone', () => {
    expect(redactUrl('/api/token/key=abc')).toBe('/api/token/key=abc');
  });

  it('passes undefined and empty URLs through', () => {
    expect(redactUrl(undefined)).toBeUndefined();
    expect(redactUrl('')).toBe('');
  });
});
