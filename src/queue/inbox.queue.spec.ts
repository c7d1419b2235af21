import { Logger } from '@nestjs/common';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { RawSql } from '../database/raw-sql';
import type { CallbackJob } from './callback-queue';
import { QueueUnavailableError } from './callback-queue';
import { InboxEntity } from './inbox.entity';
import { fitPayload, InboxQueue, PayloadTooLargeError } from './inbox.queue';

/**
 * The simple queue on a real SQLite file (the queue is bound to SQL: hand-written statements through RawSql), with
 * Jest's clock: backoff and the periodic look at the table run on fake time, nothing waits for real time.
 */

const T0 = new Date('2026-03-01T12:00:00Z');
const BACKOFF = 4000;

/** Lets every promise chain run (the pump, SQLite, the handlers) until `cond` holds; no time passes. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** A few turns of the event loop: long enough for anything that was going to start to have started. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The processor's place: records each run (job and fake time); what a run does is up to each test. */
class FakeHandler {
  readonly runs: Array<{ job: CallbackJob; at: number }> = [];
  /** Per dedup key: how many runs fail before one succeeds (Infinity: every one). */
  failures = new Map<string, number>();
  /** Per dedup key: a run waits for this before it ends. */
  gates = new Map<string, Promise<void>>();
  active = 0;
  maxActive = 0;

  readonly handle = async (job: CallbackJob): Promise<void> => {
    this.runs.push({ job, at: Date.now() });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await this.gates.get(job.dedupKey);
      const left = this.failures.get(job.dedupKey) ?? 0;
      if (left > 0) {
        this.failures.set(job.dedupKey, left - 1);
        throw new Error(`handler failed for ${job.dedupKey}`);
      }
    } finally {
      this.active--;
    }
  };

  runsOf(key: string) {
    return this.runs.filter((r) => r.job.dedupKey === key);
  }
}

const job = (n: number, extra: Partial<CallbackJob> = {}): CallbackJob => ({
  robotId: 7,
  payload: JSON.stringify({ TypeName: 'AddMsg', Data: { NewMsgId: 7300000000000000000 + n } }),
  dedupKey: `7:${n}`,
  requestId: `req-${n}`,
  receivedAt: new Date(T0.getTime() - 1000).toISOString(),
  ...extra,
});

describe('InboxQueue', () => {
  let dir: string;
  const open: DataSource[] = [];
  const queues: InboxQueue[] = [];

  async function database(): Promise<DataSource> {
    const db = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'inbox.sqlite'),
      entities: [InboxEntity],
      // the schema the service runs on: the committed migrations, never synchronize
      migrations: [...SQLITE_MIGRATIONS],
      migrationsRun: true,
    });
    await db.initialize();
    // a unit spec needs no durability against power loss: skip the fsync of every commit
    await db.query('PRAGMA synchronous = OFF');
    open.push(db);
    return db;
  }

  /** One process of the service: its queue over the database file. */
  async function start(queue: { concurrency?: number; attempts?: number } = {}) {
    const config = loadConfig({
      path: null,
      env: {},
      overrides: {
        backend: { secret_key: 'unit-secret-key-0123456789abcdefghijklmnopqrstuvwxyz' },
        queue: { concurrency: 2, attempts: 3, backoff: `${BACKOFF}ms`, ...queue },
      },
    }).config;
    const db = await database();
    const sql = new RawSql(db);
    const statements: string[] = [];
    const run = sql.run.bind(sql);
    const rows = sql.rows.bind(sql);
    jest.spyOn(sql, 'run').mockImplementation((text, params) => {
      statements.push(text.split(' ')[0]);
      return run(text, params);
    });
    jest.spyOn(sql, 'rows').mockImplementation((text, params) => {
      statements.push(text.split(' ')[0]);
      return rows(text, params);
    });
    const repo = db.getRepository(InboxEntity);
    const inbox = new InboxQueue(repo, sql, config);
    queues.push(inbox);
    const handler = new FakeHandler();
    const table = () => repo.find({ order: { id: 'ASC' } });
    return { db, sql, repo, inbox, handler, table, statements };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inbox-spec-'));
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    for (const db of open.splice(0)) if (db.isInitialized) await db.destroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a callback before answering, and answers a repeat of its dedup key as a duplicate', async () => {
    const { inbox, table } = await start();
    expect(await inbox.enqueue(job(1))).toBe('queued');
    expect(await inbox.enqueue(job(1, { payload: '{"other":true}' }))).toBe('duplicate');
    const rows = await table();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      dedupKey: '7:1',
      robotId: 7,
      payload: job(1).payload,
      requestId: 'req-1',
      status: 'pending',
      attempts: 0,
      lastError: null,
    });
    expect(rows[0].receivedAt).toEqual(new Date(job(1).receivedAt));
  });

  it('refuses a store failure as unavailable (the webhook answers 503), never as queued', async () => {
    const { inbox, sql } = await start();
    jest.mocked(sql.run).mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error'));
    await expect(inbox.enqueue(job(1))).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  it('hands a callback it accepted to the handler in memory: an INSERT, no read, and a batched DELETE', async () => {
    const { inbox, handler, table, statements } = await start();
    inbox.consume(handler.handle);
    await until(() => statements.includes('SELECT'), 'the first look at the table');
    statements.length = 0;

    for (const n of [1, 2, 3]) await inbox.enqueue(job(n));
    await until(() => handler.runs.length === 3, 'three runs');
    expect(handler.runs.map((r) => r.job)).toEqual([job(1), job(2), job(3)]);
    expect(statements).toEqual(['INSERT', 'INSERT', 'INSERT']);

    // handled rows are deleted together, a moment later
    await jest.advanceTimersByTimeAsync(100);
    await until(async () => (await table()).length === 0, 'the handled rows deleted');
    expect(statements).toEqual(['INSERT', 'INSERT', 'INSERT', 'DELETE']);
  });

  it('runs at most `concurrency` callbacks at a time; the rest wait their turn, in order', async () => {
    const { inbox, handler } = await start({ concurrency: 2 });
    const gate = deferred();
    for (const n of [1, 2, 3, 4, 5]) handler.gates.set(`7:${n}`, gate.promise);
    inbox.consume(handler.handle);
    for (const n of [1, 2, 3, 4, 5]) await inbox.enqueue(job(n));
    await until(() => handler.active === 2, 'two runs');
    await quiet();
    expect(handler.runs.map((r) => r.job.dedupKey)).toEqual(['7:1', '7:2']);
    expect(await inbox.depth()).toEqual({ waiting: 3, active: 2, delayed: 0, failed: 0 });

    gate.resolve();
    await until(() => handler.runs.length === 5 && handler.active === 0, 'all five runs');
    expect(handler.maxActive).toBe(2);
    expect(handler.runs.map((r) => r.job.dedupKey)).toEqual(['7:1', '7:2', '7:3', '7:4', '7:5']);
  });

  it('retries a failed callback with exponential backoff, keeping the error, until it succeeds', async () => {
    const { inbox, handler, table } = await start({ attempts: 5 });
    handler.failures.set('7:1', 2);
    inbox.consume(handler.handle);
    await inbox.enqueue(job(1));

    await until(async () => (await table())[0]?.attempts === 1, 'the first failure recorded');
    const [first] = await table();
    expect(first).toMatchObject({ status: 'pending', lastError: 'handler failed for 7:1' });
    expect(first.nextAttemptAt).toEqual(new Date(T0.getTime() + BACKOFF));

    // not before the backoff, and at the first look once it is due
    await jest.advanceTimersByTimeAsync(T0.getTime() + BACKOFF - 1 - Date.now());
    expect(handler.runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1000);
    await until(async () => (await table())[0]?.attempts === 2, 'the second failure recorded');
    const second = handler.runs[1].at;
    expect(second).toBeGreaterThanOrEqual(T0.getTime() + BACKOFF);
    // the second wait is twice the first
    expect((await table())[0].nextAttemptAt).toEqual(new Date(second + 2 * BACKOFF));

    await jest.advanceTimersByTimeAsync(second + 2 * BACKOFF - 1 - Date.now());
    expect(handler.runs).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1000);
    await until(() => handler.runs.length === 3, 'the third run');
    await jest.advanceTimersByTimeAsync(100);
    await until(async () => (await table()).length === 0, 'the row deleted once handled');
    expect(handler.runs.map((r) => r.job)).toEqual([job(1), job(1), job(1)]);
  });

  it('after the last attempt keeps the row as failed (dead letter) and runs it no more', async () => {
    const { inbox, handler, table } = await start({ attempts: 3 });
    handler.failures.set('7:1', Infinity);
    inbox.consume(handler.handle);
    await inbox.enqueue(job(1));
    for (let i = 0; i < 10 && (await table())[0]?.status !== 'failed'; i++)
      await jest.advanceTimersByTimeAsync(BACKOFF * 2 ** i + 1000);
    await until(async () => (await table())[0]?.status === 'failed', 'the row failed');
    expect(handler.runs).toHaveLength(3);
    expect((await table())[0]).toMatchObject({ attempts: 3, lastError: 'handler failed for 7:1' });

    await jest.advanceTimersByTimeAsync(10 * 60_000);
    await quiet();
    expect(handler.runs).toHaveLength(3);
    expect(await inbox.depth()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    const page = await inbox.failed(1, 20);
    expect(page).toMatchObject({ total: 1, page: 1, limit: 20 });
    expect(page.items).toEqual([
      {
        id: String((await table())[0].id),
        robotId: 7,
        dedupKey: '7:1',
        attempts: 3,
        error: 'handler failed for 7:1',
        receivedAt: job(1).receivedAt,
        failedAt: null,
      },
    ]);
  });

  it('retry puts a failed job back to a fresh start; discard deletes it; neither touches other rows', async () => {
    const { inbox, handler, table } = await start({ attempts: 1 });
    handler.failures.set('7:1', 1);
    handler.failures.set('7:2', 1);
    inbox.consume(handler.handle);
    await inbox.enqueue(job(1));
    await inbox.enqueue(job(2));
    await until(async () => (await table()).every((r) => r.status === 'failed'), 'both rows failed');
    const [a, b] = await table();

    // only a failed row, by a well-formed id
    for (const id of ['', 'abc', '1 OR 1=1', '-1', '12345678901', '999'])
      expect([await inbox.retry(id), await inbox.discard(id)]).toEqual([false, false]);

    expect(await inbox.retry(String(a.id))).toBe(true);
    await until(() => handler.runsOf('7:1').length === 2, 'the retried job run again');
    await jest.advanceTimersByTimeAsync(100);
    await until(async () => (await table()).length === 1, 'the retried job deleted once handled');
    expect(await inbox.retry(String(a.id))).toBe(false); // gone

    expect(await inbox.discard(String(b.id))).toBe(true);
    expect(await table()).toEqual([]);
    expect(handler.runsOf('7:2')).toHaveLength(1);
  });

  it('a pending row cannot be retried or discarded (only dead letters can)', async () => {
    const { inbox, table } = await start();
    await inbox.enqueue(job(1)); // nobody consumes: it stays pending
    const [row] = await table();
    expect(await inbox.retry(String(row.id))).toBe(false);
    expect(await inbox.discard(String(row.id))).toBe(false);
    expect(await table()).toHaveLength(1);
  });

  it('picks up the rows an earlier run left: accepted but never run, and in the middle of their retries', async () => {
    // an earlier process ran job 1 once (it failed) and stopped before its retry
    const earlier = await start({ attempts: 3 });
    earlier.handler.failures.set('7:1', 1);
    earlier.inbox.consume(earlier.handler.handle);
    await earlier.inbox.enqueue(job(1));
    await until(async () => (await earlier.table())[0]?.attempts === 1, 'the first failure recorded');
    await earlier.inbox.close();
    await earlier.db.destroy();
    // a webhook-only process accepted job 2 and stopped: nobody ran it
    const webhook = await start({ attempts: 3 });
    await webhook.inbox.enqueue(job(2));
    await webhook.inbox.close();
    await webhook.db.destroy();

    const next = await start({ attempts: 3 });
    next.handler.failures.set('7:1', Infinity);
    next.inbox.consume(next.handler.handle);
    await until(() => next.handler.runsOf('7:2').length === 1, 'the row never run, run at the next start');
    expect(next.handler.runsOf('7:1')).toHaveLength(0); // not due yet: its backoff carries over
    // the retried row keeps its attempts: two more failures make it a dead letter
    const state = async () => (await next.table()).find((r) => r.dedupKey === '7:1');
    for (let i = 0; i < 10 && (await state())?.status !== 'failed'; i++)
      await jest.advanceTimersByTimeAsync(BACKOFF * 2 ** i + 1000);
    await until(async () => (await state())?.status === 'failed', 'the retried row failed');
    expect(next.handler.runsOf('7:1')).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(100);
    await until(async () => (await next.table()).length === 1, 'the handled row deleted');
    expect((await next.table()).map((r) => [r.dedupKey, r.status, r.attempts])).toEqual([['7:1', 'failed', 3]]);
  });

  it('close() waits for the jobs in flight, deletes what they finished, and leaves the waiting ones for the next start', async () => {
    const { inbox, handler, table } = await start({ concurrency: 1 });
    const gate = deferred();
    handler.gates.set('7:1', gate.promise);
    inbox.consume(handler.handle);
    await inbox.enqueue(job(1));
    await inbox.enqueue(job(2));
    await until(() => handler.active === 1, 'the first job running');

    let closed = false;
    const closing = inbox.close().then(() => (closed = true));
    await quiet();
    expect(closed).toBe(false);

    gate.resolve();
    await closing;
    expect(handler.runs.map((r) => r.job.dedupKey)).toEqual(['7:1']);
    // the finished job's DELETE was sent by close(), not left to its timer; the waiting one is still in the table
    expect((await table()).map((r) => [r.dedupKey, r.status, r.attempts])).toEqual([['7:2', 'pending', 0]]);

    // a closed queue still stores (the webhook may answer during shutdown) but runs nothing more
    expect(await inbox.enqueue(job(3))).toBe('queued');
    await jest.advanceTimersByTimeAsync(5000);
    await quiet();
    expect(handler.runs).toHaveLength(1);
  });

  it('a failure of the job in flight during close() is recorded before close() resolves', async () => {
    const { inbox, handler, table } = await start({ concurrency: 1, attempts: 3 });
    const gate = deferred();
    handler.gates.set('7:1', gate.promise);
    inbox.consume(handler.handle);
    await inbox.enqueue(job(1));
    await until(() => handler.active === 1, 'the job running');
    const closing = inbox.close();
    gate.reject(new Error('interrupted by shutdown'));
    await closing;
    expect((await table()).map((r) => [r.status, r.attempts, r.lastError])).toEqual([
      ['pending', 1, 'interrupted by shutdown'],
    ]);
  });

  it('reads the table back when it cannot hold every accepted row in memory, running each row once', async () => {
    const { inbox, handler } = await start({ concurrency: 4 });
    const gate = deferred();
    const n = 1100; // more than the in-memory hand-off holds (1000)
    // the first four block the queue while the rest arrive; then each run takes a turn of the event loop, so rows
    // are running (and handled but not deleted yet) whenever the table is read
    for (let i = 0; i < n; i++) handler.gates.set(`7:${i}`, i < 4 ? gate.promise : new Promise((r) => setImmediate(r)));
    inbox.consume(handler.handle);
    for (let i = 0; i < n; i++) await inbox.enqueue(job(i));
    await until(() => handler.active === 4, 'the first jobs running');
    gate.resolve();
    await until(() => handler.runs.length === n && handler.active === 0, 'every job run');
    await quiet();
    const keys = handler.runs.map((r) => r.job.dedupKey);
    expect(new Set(keys).size).toBe(n);
    expect(keys).toEqual(Array.from({ length: n }, (_, i) => `7:${i}`));
  });

  it('runs a row once when a look at the table starts it before its INSERT is acknowledged (MySQL pool)', async () => {
    const { inbox, handler, sql } = await start();
    const gate = deferred();
    handler.gates.set('7:1', gate.promise);
    inbox.consume(handler.handle);
    await quiet();
    const run = jest.mocked(sql.run);
    const real = run.getMockImplementation()!;
    run.mockImplementationOnce(async (text, params) => {
      const inserted = await real(text, params);
      // committed, not yet acknowledged to enqueue(): the periodic look reads the row and starts it
      await jest.advanceTimersByTimeAsync(1000);
      await until(() => handler.runs.length === 1, 'the row started by the look');
      return inserted;
    });
    expect(await inbox.enqueue(job(1))).toBe('queued');
    await quiet();
    gate.resolve();
    await until(() => handler.active === 0, 'the run over');
    await quiet();
    expect(handler.runsOf('7:1')).toHaveLength(1);
  });

  it('keeps going after a failed read of the table: the next look finds the rows', async () => {
    const { inbox, handler, sql } = await start();
    await inbox.enqueue(job(1)); // stored before anyone consumes: found by a read
    const rows = jest.mocked(sql.rows);
    const real = rows.getMockImplementation()!;
    rows.mockImplementationOnce(() => Promise.reject(new Error('SQLITE_BUSY: database is locked')));
    inbox.consume(handler.handle);
    await quiet();
    expect(handler.runs).toHaveLength(0);
    expect(rows).toHaveBeenCalledTimes(1);
    rows.mockImplementation(real);
    await jest.advanceTimersByTimeAsync(1000);
    await until(() => handler.runs.length === 1, 'the row run after the next look');
  });
});

describe('fitPayload', () => {
  it('keeps a callback that fits as it is, byte for byte (bigint ids included)', () => {
    const body = '{"Data":{"NewMsgId":7300000000000000001,"Content":"hi"}}';
    expect(fitPayload(body)).toBe(body);
  });

  it('drops the inline media of a large callback, keeping every id exact', () => {
    const body = `{"Data":{"NewMsgId":7300000000000000001,"ImgBuf":{"iLen":30000,"buffer":"${'A'.repeat(30_000)}"}}}`;
    const fitted = fitPayload(body);
    expect(fitted).toBe('{"Data":{"NewMsgId":7300000000000000001,"ImgBuf":{"iLen":30000,"bufferDropped":true}}}');
  });

  it('refuses a large callback it cannot shrink (413 CALLBACK_TOO_LARGE)', () => {
    expect(() => fitPayload(`{"Data":{"Content":"${'x'.repeat(30_000)}"}}`)).toThrow(PayloadTooLargeError);
    expect(() => fitPayload(`not json ${'x'.repeat(30_000)}`)).toThrow(PayloadTooLargeError);
    expect(new PayloadTooLargeError()).toMatchObject({ code: 'CALLBACK_TOO_LARGE', status: 413 });
  });
});
