import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { TablePump } from '../database/table-pump';
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
  /** Wakes, the concurrency window, the tries in flight, the periodic look and close (TablePump); `fill` is ours. */
  private readonly pump: TablePump<number>;
  /** The tries in flight, to abort at close. */
  private readonly aborts = new Map<number, AbortController>();
  /**
   * Rows this instance finished a moment ago. A read that started before the row changed can answer after it left
   * `inFlight`; the claim would fail anyway, this just spares the query.
   */
  private readonly recentlyDone = new Map<number, number>();
  private lastReclaim = 0;

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    // due retries are found by a periodic look at the table
    this.pump = new TablePump<number>({
      name: 'media download poll',
      intervalMs: Math.min(1000, config.files.backoff),
      concurrency: config.files.concurrency,
      logger: this.logger,
      onError: (err) => this.logger.warn({ error: err.message }, 'File pump failed; retrying shortly'),
      prepare: () => this.reclaim(),
      fill: (free) => this.fill(free),
    });
  }

  consume(attempts: DownloadAttempts): void {
    this.attempts = attempts;
    this.pump.start();
    this.logger.log({ concurrency: this.config.files.concurrency }, 'Downloading media');
  }

  get stopping(): boolean {
    return this.pump.closed;
  }

  /** The row is in the table already: a look at it now is all it takes. */
  enqueue(): Promise<void> {
    this.wake();
    return Promise.resolve();
  }

  /** Looks for due rows now (a row was just added, or a retry became due). */
  wake(): void {
    this.pump.wake();
  }

  /** Claims of an instance that died are handed out again, looked for at most every 30 s (at a pump's start). */
  private async reclaim(): Promise<void> {
    if (Date.now() - this.lastReclaim < 30_000) return;
    this.lastReclaim = Date.now();
    await this.attempts!.reclaimAbandoned((id) => this.pump.running(id));
  }

  /** One pass of the pump: claims up to `free` due rows not running here and starts them; whether it claimed any. */
  private async fill(free: number): Promise<boolean> {
    const attempts = this.attempts!;
    const rows = await this.files.find({
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(new Date()) },
      order: { id: 'ASC' },
      take: free + this.pump.active,
      select: { id: true },
    });
    const now = Date.now();
    for (const [id, until] of this.recentlyDone) if (now >= until) this.recentlyDone.delete(id);
    const fresh = rows.filter((r) => !this.pump.running(r.id) && !this.recentlyDone.has(r.id)).slice(0, free);
    let claimedAny = false;
    for (const { id } of fresh) {
      const row = await attempts.claim(id, { due: true });
      if (!row) continue; // another instance took it
      claimedAny = true;
      const abort = new AbortController();
      this.aborts.set(row.id, abort);
      this.pump.launch(
        row.id,
        () =>
          attempts
            .run(row, abort.signal, () => this.pump.closed)
            .then((outcome) => {
              this.recentlyDone.set(row.id, skipUntil(outcome));
            }),
        () => {
          this.aborts.delete(row.id);
          this.events.emit('settled', row.id);
        },
      );
    }
    return claimedAny;
  }

  async close(): Promise<void> {
    await this.pump.close(() => {
      for (const abort of this.aborts.values()) abort.abort();
    });
  }
}

/** Until when a stale read of a row whose try just ended is to be ignored (a retry is claimable once due). */
function skipUntil(outcome: AttemptOutcome): number {
  return Date.now() + (outcome.result === 'retry' ? Math.min(5_000, outcome.delayMs) : 5_000);
}
