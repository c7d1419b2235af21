import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { PeriodicTask } from '../common/periodic-task';
import { AttemptOutcome, DownloadAttempts } from './download-attempts';
import { FileEntity } from './file.entity';
import { MediaDownloadQueue } from './media-download-queue';

/**
 * Simple mode's media download queue, the download pump: the `files` table is the job queue. Due `pending` rows are
 * claimed one by one (DownloadAttempts' compare-and-set); at most `files.concurrency` run at a time; a failed try is
 * due again after its backoff. Claims of an instance that died are handed out again after a while.
 */
@Injectable()
export class FileWorker extends MediaDownloadQueue {
  readonly type = 'simple' as const;
  private readonly logger = new Logger(FileWorker.name);
  private attempts?: DownloadAttempts;
  private readonly inFlight = new Map<number, { run: Promise<void>; abort: AbortController }>();
  /**
   * Rows this instance finished a moment ago. A read that started before the row changed can answer after it left
   * `inFlight`; the claim would fail anyway, this just spares the query.
   */
  private readonly recentlyDone = new Map<number, number>();
  /** Due retries are found by a periodic look at the table. */
  private poll?: PeriodicTask;
  private pumping = false;
  private again = false;
  private closed = false;
  private lastReclaim = 0;

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  consume(attempts: DownloadAttempts): void {
    this.attempts = attempts;
    this.poll = new PeriodicTask({
      name: 'media download poll',
      intervalMs: Math.min(1000, this.config.files.backoff),
      logger: this.logger,
      run: () => this.wake(),
    }).start();
    this.wake();
    this.logger.log({ concurrency: this.config.files.concurrency }, 'Downloading media');
  }

  get stopping(): boolean {
    return this.closed;
  }

  /** The row is in the table already: a look at it now is all it takes. */
  enqueue(): Promise<void> {
    this.wake();
    return Promise.resolve();
  }

  /** Looks for due rows now (a row was just added, or a retry became due). */
  wake(): void {
    if (!this.attempts || this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'File pump failed; retrying shortly'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    const attempts = this.attempts!;
    if (Date.now() - this.lastReclaim >= 30_000) {
      this.lastReclaim = Date.now();
      await attempts.reclaimAbandoned((id) => this.inFlight.has(id));
    }
    const concurrency = this.config.files.concurrency;
    for (;;) {
      const free = concurrency - this.inFlight.size;
      if (free <= 0 || this.closed) return;
      const rows = await this.files.find({
        where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) },
        order: { id: 'ASC' },
        take: free + this.inFlight.size,
        select: { id: true },
      });
      const now = Date.now();
      for (const [id, until] of this.recentlyDone) if (now >= until) this.recentlyDone.delete(id);
      const fresh = rows.filter((r) => !this.inFlight.has(r.id) && !this.recentlyDone.has(r.id)).slice(0, free);
      if (fresh.length === 0) return;
      let claimedAny = false;
      for (const { id } of fresh) {
        const row = await attempts.claim(id, { due: true });
        if (!row) continue; // another instance took it
        claimedAny = true;
        const abort = new AbortController();
        const run = attempts
          .run(row, abort.signal, () => this.closed)
          .then((outcome) => {
            this.recentlyDone.set(row.id, skipUntil(outcome));
            this.inFlight.delete(row.id);
            this.events.emit('settled', row.id);
            this.wake();
          });
        this.inFlight.set(row.id, { run, abort });
      }
      if (!claimedAny) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.poll?.stop();
    for (const { abort } of this.inFlight.values()) abort.abort();
    await Promise.allSettled([...this.inFlight.values()].map((x) => x.run));
  }
}

/** Until when a stale read of a row whose try just ended is to be ignored (a retry is claimable once due). */
function skipUntil(outcome: AttemptOutcome): number {
  return Date.now() + (outcome.result === 'retry' ? Math.min(5_000, outcome.delayMs) : 5_000);
}
