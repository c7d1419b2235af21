import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { JobWorker } from '../redis/bullmq';
import type { DownloadAttempts } from './download-attempts';
import { MediaDownloadQueue } from './media-download-queue';

/** The Nest name of the media download queue (its BullMQ name is `<queue.name>-media`). */
export const MEDIA_QUEUE = 'media';
/** The media queue's worker (registered where this instance's role processes callbacks). */
export const MEDIA_WORKER = Symbol('MEDIA_WORKER');

export interface MediaJob {
  fileId: number;
}

/** The repeating job that hands out again the downloads a dead instance held, and those that lost their job. */
const SWEEP = 'sweep';
const SWEEP_EVERY_MS = 30_000;
/** A pending row due for this long without a try has no job (e.g. its enqueue failed): it is queued again. */
const OVERDUE_MS = 60_000;
const OVERDUE_BATCH = 100;

/**
 * Advanced mode's media download queue: one BullMQ job per files row (job id `file-<id>`, so queuing a row twice adds
 * nothing), tried by the media worker of any instance that processes callbacks, retried with BullMQ's exponential
 * backoff (`files.backoff`, `files.attempts`). The row stays the download's record: each try claims it (only a
 * pending row is tried, so a job run twice tries once) and writes the outcome; a try that must be repeated throws, so
 * BullMQ schedules the next one. A job scheduler runs the sweep every 30 s on one instance.
 */
@Injectable()
export class MediaBullQueue extends MediaDownloadQueue {
  readonly type = 'advanced' as const;
  private readonly logger = new Logger('MediaBullQueue');
  private attempts?: DownloadAttempts;
  private readonly inFlight = new Map<number, AbortController>();
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(MEDIA_QUEUE) private readonly queue: Queue<MediaJob>,
    @Optional() @Inject(MEDIA_WORKER) private readonly worker?: JobWorker<MediaJob>,
  ) {
    super();
    this.queue.on('error', (err) => this.logger.warn({ error: err.message }, 'Queue connection error'));
  }

  get stopping(): boolean {
    return this.closed;
  }

  async enqueue(fileId: number): Promise<void> {
    const f = this.config.files;
    await this.queue.add(
      'download',
      { fileId },
      {
        jobId: `file-${fileId}`,
        attempts: f.attempts,
        backoff: { type: 'exponential', delay: f.backoff },
        // the files row keeps the outcome (and is the dead letter): the job id is free again for a later request
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  consume(attempts: DownloadAttempts): void {
    if (!this.worker) throw new Error('this instance has no media worker (backend.role = "webhook")');
    this.attempts = attempts;
    this.worker.start((job) => (job.name === SWEEP ? this.sweep() : this.tryOnce(job.data.fileId)));
    this.queue
      .upsertJobScheduler(
        SWEEP,
        { every: SWEEP_EVERY_MS },
        { name: SWEEP, opts: { removeOnComplete: true, removeOnFail: true } },
      )
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'Cannot schedule the download sweep'));
    this.logger.log({ concurrency: this.config.files.concurrency }, 'Downloading media');
  }

  private async tryOnce(fileId: number): Promise<void> {
    const row = await this.attempts!.claim(fileId, { due: false });
    if (!row) return; // not pending: tried already, deleted, or running after its worker was presumed dead
    const abort = new AbortController();
    this.inFlight.set(fileId, abort);
    try {
      const outcome = await this.attempts!.run(row, abort.signal, () => this.closed);
      if (outcome.result === 'retry') throw new Error(`download of file ${fileId} to be tried again`);
      if (outcome.result === 'handed-back') throw new Error(`download of file ${fileId} stopped by a shutdown`);
    } finally {
      this.inFlight.delete(fileId);
      this.events.emit('settled', fileId);
    }
  }

  private async sweep(): Promise<void> {
    const attempts = this.attempts!;
    const reclaimed = await attempts.reclaimAbandoned((id) => this.inFlight.has(id));
    const lost = await attempts.overdue(new Date(Date.now() - OVERDUE_MS), OVERDUE_BATCH);
    for (const id of new Set([...reclaimed, ...lost])) await this.enqueue(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const abort of this.inFlight.values()) abort.abort();
    // @nestjs/bullmq closes the worker at shutdown as well; closing it here, once, lets the tries running hand their
    // rows back while the database is still open.
    await this.worker?.worker.close().catch(() => undefined);
  }
}
