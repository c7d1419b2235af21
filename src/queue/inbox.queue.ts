import { HttpStatus, Logger } from '@nestjs/common';
import { parse, stringify } from 'lossless-json';
import { DomainError } from '../common/domain-error';
import { LessThanOrEqual, QueryFailedError, Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
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

/**
 * Simple mode: the database is the queue. The webhook inserts a row (unique dedup key) before answering; an
 * in-process pump takes due rows in order, runs at most `concurrency` at a time, deletes a row once handled, and
 * retries failures with exponential backoff until the row becomes `failed` (dead letter). Rows left by a stopped
 * process are picked up at the next start. One instance per database (split roles need the advanced queue).
 */
export class InboxQueue extends CallbackQueue {
  readonly type = 'simple' as const;
  private readonly logger = new Logger('InboxQueue');
  private handler?: JobHandler;
  private readonly inFlight = new Map<number, Promise<void>>();
  /**
   * Rows finished in the last few seconds. A read that started before a row was deleted can answer after the row
   * left `inFlight`; without this it would be run a second time.
   */
  private readonly recentlyDone = new Map<number, number>(); // id → skip it until this time
  private timer?: NodeJS.Timeout;
  private pumping = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly inbox: Repository<InboxEntity>,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async enqueue(job: CallbackJob): Promise<'queued' | 'duplicate'> {
    const payload = fitPayload(job.payload);
    try {
      await this.inbox.insert({
        dedupKey: job.dedupKey,
        robotId: job.robotId,
        payload,
        requestId: job.requestId,
        status: 'pending',
        attempts: 0,
        lastError: null,
        nextAttemptAt: new Date(),
      });
    } catch (err) {
      if (err instanceof QueryFailedError && /unique|duplicate/i.test(err.message)) return 'duplicate';
      throw new QueueUnavailableError((err as Error).message);
    }
    this.wake();
    return 'queued';
  }

  consume(handler: JobHandler): void {
    this.handler = handler;
    // Due retries and rows left by an earlier run are found by a periodic look as well as on every enqueue.
    this.timer = setInterval(() => this.wake(), Math.min(1000, this.config.queue.backoff));
    this.timer.unref();
    this.wake();
  }

  private wake(): void {
    if (!this.handler || this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async pump(): Promise<void> {
    const concurrency = this.config.queue.concurrency;
    for (;;) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0 || this.closed) return;
      let rows: InboxEntity[];
      try {
        rows = await this.inbox.find({
          where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) },
          order: { id: 'ASC' },
          take: free + this.inFlight.size,
        });
      } catch (err) {
        this.logger.warn({ error: (err as Error).message }, 'Cannot read the inbox; retrying shortly');
        return;
      }
      const now = Date.now();
      this.forgetDone(now);
      const fresh = rows
        .filter((r) => !this.inFlight.has(r.id) && !((this.recentlyDone.get(r.id) ?? 0) > now))
        .slice(0, free);
      if (fresh.length === 0) return;
      for (const row of fresh) {
        const run = this.run(row).then((skipUntil) => {
          this.recentlyDone.set(row.id, skipUntil);
          this.inFlight.delete(row.id);
          this.wake();
        });
        this.inFlight.set(row.id, run);
      }
    }
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
  private async run(row: InboxEntity): Promise<number> {
    try {
      await this.handler!({
        robotId: row.robotId,
        payload: row.payload,
        dedupKey: row.dedupKey,
        requestId: row.requestId,
        receivedAt: row.receivedAt.toISOString(),
      });
      await this.inbox.delete({ id: row.id });
      return Date.now() + 10_000;
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
            nextAttemptAt: new Date(Date.now() + q.backoff * 2 ** (attempts - 1)),
          },
        )
        .catch(() => undefined);
      this.logger.warn({ jobId: row.id, robotId: row.robotId, attempts, dead, error }, 'Callback processing failed');
      return dead ? Date.now() + 10_000 : Date.now() + Math.min(10_000, q.backoff * 2 ** (attempts - 1));
    }
  }

  async depth(): Promise<QueueDepth> {
    const [waiting, failed, delayed] = await Promise.all([
      this.inbox.count({ where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) } }),
      this.inbox.count({ where: { status: 'failed' } }),
      this.inbox.count({ where: { status: 'pending' } }),
    ]);
    return {
      waiting: Math.max(0, waiting - this.inFlight.size),
      active: this.inFlight.size,
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
    this.wake();
    return !!res.affected;
  }

  async discard(id: string): Promise<boolean> {
    if (!/^\d{1,10}$/.test(id)) return false;
    const res = await this.inbox.delete({ id: Number(id), status: 'failed' });
    return !!res.affected;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight.values()]);
  }
}
