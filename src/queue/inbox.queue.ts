import { HttpStatus, Logger } from '@nestjs/common';
import { parse, stringify } from 'lossless-json';
import { backoffDelay } from '../common/backoff';
import { DomainError } from '../common/domain-error';
import { LessThanOrEqual, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { isUniqueViolation, RawSql } from '../database/raw-sql';
import { TablePump } from '../database/table-pump';
import type { Page } from '../common/dto/pagination.dto';
import { CallbackJob, CallbackQueue, FailedJob, JobHandler, QueueDepth, QueueUnavailableError } from './callback-queue';
import { InboxEntity } from './inbox.entity';

/** A TEXT column holds 64 KB on MySQL; callbacks are stored as UTF-8, so stay well below in characters. */
const MAX_PAYLOAD_CHARS = 20_000;

/**
 * Callbacks carrying inline media (a voice message's audio in Data.ImgBuf.buffer) can exceed what a TEXT column
 * holds. The inline copy is dropped (the media is downloaded from Gewe instead), keeping every id exact.
 */
export function fitPayload(payload: string): string {
  if (payload.length <= MAX_PAYLOAD_CHARS) return payload;
  let parsed: unknown;
  try {
    parsed = parse(payload);
  } catch {
    throw new PayloadTooLargeError();
  }
  const data = (parsed as { Data?: { ImgBuf?: Record<string, unknown> } } | null)?.Data;
  if (data?.ImgBuf && typeof data.ImgBuf.buffer === 'string') {
    delete data.ImgBuf.buffer;
    data.ImgBuf.bufferDropped = true;
  }
  const fitted = stringify(parsed) ?? '';
  if (fitted.length > MAX_PAYLOAD_CHARS) throw new PayloadTooLargeError();
  return fitted;
}

export class PayloadTooLargeError extends DomainError {
  constructor() {
    super('CALLBACK_TOO_LARGE', 'The callback is too large to store in the simple queue', HttpStatus.PAYLOAD_TOO_LARGE);
  }
}

/** A pending inbox row, as the pump runs it. */
interface InboxRow {
  id: number;
  robotId: number;
  payload: string;
  dedupKey: string;
  requestId: string | null;
  attempts: number;
  receivedAt: Date;
}

/** A row of DUE as the drivers return it (MySQL: Date; SQLite: UTC text). */
interface DueRow {
  id: number;
  robot_id: number;
  payload: string;
  dedup_key: string;
  request_id: string | null;
  attempts: number;
  received_at: string | Date;
}

/** Rows accepted by this process wait in memory for the pump, up to this many; beyond, the pump reads them back. */
const READY_MAX = 1000;
/** A look at the table takes up to this many rows into `ready`. */
const READ_BATCH = 64;
/** Handled rows are deleted in batches of up to this many, at most DELETE_DELAY_MS after the first of them. */
const DELETE_BATCH = 32;
const DELETE_DELAY_MS = 100;
/** How long a finished row is ignored by reads of the inbox (a read can be older than its delete). */
const SKIP_DONE_MS = 10_000;

const INSERT =
  'INSERT INTO "callback_inbox" ("dedup_key", "robot_id", "payload", "request_id", "status", "attempts", ' +
  '"next_attempt_at", "received_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const DUE =
  'SELECT "id", "robot_id", "payload", "dedup_key", "request_id", "attempts", "received_at" FROM "callback_inbox" ' +
  'WHERE "status" = ? AND "next_attempt_at" <= ? ORDER BY "id" LIMIT ?';

/**
 * Simple mode: the database is the queue. The webhook inserts a row (unique dedup key) before answering; an
 * in-process pump runs at most `concurrency` rows at a time, deletes a row once handled, and retries failures with
 * exponential backoff until the row becomes `failed` (dead letter). Rows left by a stopped process are picked up at
 * the next start. One instance per database (split roles need the advanced queue).
 *
 * Per callback that is an INSERT and (batched) a DELETE: a row this process accepted is handed to the pump in memory
 * rather than read back, and the inbox is read only for what memory does not hold — due retries and rows left by an
 * earlier run (a look at least every second), and rows accepted while the memory queue was full. Deleting a handled
 * row a little later is safe: a row handled but not yet deleted when the process stops is run again at the next
 * start and dropped there as a repeat by the message log, whose unique index is the dedup backstop.
 */
export class InboxQueue extends CallbackQueue {
  readonly type = 'simple' as const;
  private readonly logger = new Logger('InboxQueue');
  private handler?: JobHandler;
  /** Wakes, the concurrency window, the jobs in flight, the periodic look and close (TablePump); `fill` is ours. */
  private readonly pump: TablePump<number>;
  /** Rows accepted here, waiting for a free slot, in order. */
  private readonly ready = new Map<number, InboxRow>();
  /** Rows were accepted here without being put in `ready` (it was full): take the next ones from the table. */
  private overflow = false;
  /** Read the table at the next chance (the periodic look, a retry, an overflow). */
  private look = true;
  /** Handled rows whose DELETE is still to be sent. */
  private done: number[] = [];
  private deleteTimer?: NodeJS.Timeout;
  private deleting?: Promise<void>;
  /**
   * Rows finished in the last few seconds. A read that started before a row was deleted can answer after the row
   * left `inFlight`; without this it would be run a second time.
   */
  private readonly recentlyDone = new Map<number, number>(); // id → skip it until this time

  constructor(
    private readonly inbox: Repository<InboxEntity>,
    private readonly sql: RawSql,
    private readonly config: AppConfig,
  ) {
    super();
    // due retries and rows left by an earlier run are found by a periodic look at the table
    this.pump = new TablePump<number>({
      name: 'inbox poll',
      intervalMs: Math.min(1000, config.queue.backoff),
      concurrency: config.queue.concurrency,
      logger: this.logger,
      onPoll: () => {
        this.look = true;
      },
      fill: () => this.fill(),
    });
  }

  private get closed(): boolean {
    return this.pump.closed;
  }

  private wake(): void {
    this.pump.wake();
  }

  async enqueue(job: CallbackJob): Promise<'queued' | 'duplicate'> {
    const payload = fitPayload(job.payload);
    const receivedAt = new Date(job.receivedAt);
    let id: number;
    try {
      ({ insertId: id } = await this.sql.run(INSERT, [
        job.dedupKey,
        job.robotId,
        payload,
        job.requestId,
        'pending',
        0,
        this.sql.datetime(new Date()),
        this.sql.datetime(receivedAt),
      ]));
    } catch (err) {
      if (isUniqueViolation(err)) return 'duplicate';
      throw new QueueUnavailableError((err as Error).message);
    }
    if (this.pump.consuming && !this.closed) {
      // A look at the table on another connection can find the row between its commit and this answer (MySQL) and
      // start it already: it is not handed over a second time.
      if (this.seen(id, Date.now())) return 'queued';
      if (!this.overflow && this.ready.size < READY_MAX) {
        const { dedupKey, robotId, requestId } = job;
        this.ready.set(id, { id, robotId, payload, dedupKey, requestId, attempts: 0, receivedAt });
      } else {
        this.overflow = true;
        this.look = true;
      }
      this.wake();
    }
    return 'queued';
  }

  consume(handler: JobHandler): void {
    this.handler = handler;
    this.pump.start();
  }

  /** One pass of the pump: starts `ready` rows while slots are free, reading the table first when it is empty. */
  private async fill(): Promise<boolean> {
    if (this.ready.size === 0 && !(this.look && (await this.read()))) return false;
    const concurrency = this.config.queue.concurrency;
    for (const row of this.ready.values()) {
      if (this.pump.active >= concurrency) break;
      this.ready.delete(row.id);
      this.pump.launch(row.id, () =>
        this.run(row).then((skipUntil) => {
          this.recentlyDone.set(row.id, skipUntil);
        }),
      );
    }
    return true;
  }

  /** Reads due rows that are not running, done or waiting already into `ready`; whether it found any. */
  private async read(): Promise<boolean> {
    this.look = false;
    // the oldest due rows include those running and those handled but not deleted yet: read past them
    const limit = READ_BATCH + this.pump.active + this.done.length + (this.deleting ? DELETE_BATCH : 0);
    let rows: DueRow[];
    try {
      rows = await this.sql.rows(DUE, ['pending', this.sql.datetime(new Date()), limit]);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Cannot read the inbox; retrying shortly');
      return false;
    }
    if (rows.length >= limit)
      this.look = true; // more are waiting in the table
    // everything due is in hand now, unless a row skipped `ready` while the read ran (it set `look`)
    else if (!this.look) this.overflow = false;
    const now = Date.now();
    this.forgetDone(now);
    let found = false;
    for (const r of rows) {
      const id = Number(r.id);
      if (this.seen(id, now)) continue;
      this.ready.set(id, {
        id,
        robotId: Number(r.robot_id),
        payload: r.payload,
        dedupKey: r.dedup_key,
        requestId: r.request_id ?? null,
        attempts: Number(r.attempts),
        receivedAt: this.sql.toDate(r.received_at),
      });
      found = true;
    }
    return found;
  }

  /** The row is in hand already: waiting in `ready`, running, or finished a moment ago. */
  private seen(id: number, now: number): boolean {
    return this.ready.has(id) || this.pump.running(id) || (this.recentlyDone.get(id) ?? 0) > now;
  }

  /**
   * Drops expired entries of recentlyDone from its oldest end. Scanning the whole map on every pump cost O(callbacks
   * of the last 10 s) per callback; entries are mostly added in expiry order, and one that is still there after it
   * expired is harmless (lookups compare its time).
   */
  private forgetDone(now: number): void {
    for (const [id, until] of this.recentlyDone) {
      if (until > now) return;
      this.recentlyDone.delete(id);
    }
  }

  /** Runs one row; resolves with the time until which a stale read of this row must be ignored. */
  private async run(row: InboxRow): Promise<number> {
    try {
      await this.handler!({
        robotId: row.robotId,
        payload: row.payload,
        dedupKey: row.dedupKey,
        requestId: row.requestId,
        receivedAt: row.receivedAt.toISOString(),
      });
      this.deleteLater(row.id);
      return Date.now() + SKIP_DONE_MS;
    } catch (err) {
      const attempts = row.attempts + 1;
      const q = this.config.queue;
      const error = (err as Error).message?.slice(0, 2000) ?? String(err);
      const dead = attempts >= q.attempts;
      await this.inbox
        .update(
          { id: row.id },
          {
            attempts,
            lastError: error,
            status: dead ? 'failed' : 'pending',
            nextAttemptAt: new Date(Date.now() + backoffDelay(attempts, { baseMs: q.backoff })),
          },
        )
        .catch(() => undefined);
      this.logger.warn({ jobId: row.id, robotId: row.robotId, attempts, dead, error }, 'Callback processing failed');
      return Date.now() + (dead ? SKIP_DONE_MS : backoffDelay(attempts, { baseMs: q.backoff, maxMs: SKIP_DONE_MS }));
    }
  }

  private deleteLater(id: number): void {
    this.done.push(id);
    if (this.done.length >= DELETE_BATCH) void this.flushDeletes();
    else this.deleteTimer ??= setTimeout(() => void this.flushDeletes(), DELETE_DELAY_MS).unref();
  }

  /**
   * Deletes the handled rows there are now, DELETE_BATCH at a time (rows handled meanwhile wait for a full batch or
   * their own delay); rows whose DELETE failed are tried again a second later.
   */
  private flushDeletes(): Promise<void> {
    clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    this.deleting ??= (async () => {
      let failed = false;
      try {
        for (let n = this.done.length; n > 0 && !failed;) {
          const ids = this.done.splice(0, Math.min(n, DELETE_BATCH));
          n -= ids.length;
          try {
            await this.sql.run(`DELETE FROM "callback_inbox" WHERE "id" IN (${ids.map(() => '?').join(', ')})`, ids);
          } catch (err) {
            failed = true;
            this.done.unshift(...ids);
            this.logger.warn({ error: (err as Error).message, rows: ids.length }, 'Cannot delete handled inbox rows');
          }
        }
      } finally {
        this.deleting = undefined;
        if (this.done.length && !this.closed) {
          if (!failed && this.done.length >= DELETE_BATCH) void this.flushDeletes();
          else this.deleteTimer ??= setTimeout(() => void this.flushDeletes(), failed ? 1000 : DELETE_DELAY_MS).unref();
        }
      }
    })();
    return this.deleting;
  }

  async depth(): Promise<QueueDepth> {
    const [waiting, failed, delayed] = await Promise.all([
      this.inbox.count({ where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) } }),
      this.inbox.count({ where: { status: 'failed' } }),
      this.inbox.count({ where: { status: 'pending' } }),
    ]);
    return {
      // handled rows still in the table until their DELETE is sent are not waiting
      waiting: Math.max(0, waiting - this.pump.active - this.done.length),
      active: this.pump.active,
      delayed: delayed - waiting,
      failed,
    };
  }

  async failed(page: number, limit: number): Promise<Page<FailedJob>> {
    const [rows, total] = await this.inbox.findAndCount({
      where: { status: 'failed' },
      order: { id: 'DESC' },
      skip: (page - 1) * limit,
      take: limit,
    });
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        robotId: r.robotId,
        dedupKey: r.dedupKey,
        attempts: r.attempts,
        error: r.lastError,
        receivedAt: r.receivedAt.toISOString(),
        failedAt: null, // not tracked in simple mode
      })),
      total,
      page,
      limit,
    };
  }

  async retry(id: string): Promise<boolean> {
    if (!/^\d{1,10}$/.test(id)) return false;
    this.recentlyDone.delete(Number(id));
    const res = await this.inbox.update(
      { id: Number(id), status: 'failed' },
      { status: 'pending', attempts: 0, nextAttemptAt: new Date() },
    );
    this.look = true;
    this.wake();
    return !!res.affected;
  }

  async discard(id: string): Promise<boolean> {
    if (!/^\d{1,10}$/.test(id)) return false;
    const res = await this.inbox.delete({ id: Number(id), status: 'failed' });
    return !!res.affected;
  }

  async close(): Promise<void> {
    await this.pump.close(() => this.ready.clear());
    await this.deleting;
    await this.flushDeletes();
    clearTimeout(this.deleteTimer);
  }
}
