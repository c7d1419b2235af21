import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { Page } from '../common/dto/pagination.dto';
import { bullPrefix, JobWorker } from '../redis/bullmq';
import { CallbackJob, CallbackQueue, FailedJob, JobHandler, QueueDepth, QueueUnavailableError } from './callback-queue';

/** The Nest name of the callback queue (its BullMQ name is `queue.name`). */
export const CALLBACK_QUEUE = 'callbacks';
/** The callback queue's worker (registered where this instance's role processes callbacks). */
export const CALLBACK_WORKER = Symbol('CALLBACK_WORKER');

/** How long the webhook waits for Redis to take a job before answering 503. */
/** How long an enqueue waits for Redis before a 503 (a test on a busy machine may raise it). */
export const ENQUEUE_TIMEOUT = { ms: 3000 };

/**
 * Advanced mode: BullMQ on Redis, through @nestjs/bullmq (CallbackBullModule registers the queue and its worker; the
 * library owns their connections and closes them at shutdown). The job id is the dedup key, so a callback Gewe sends
 * again is not added twice while its completed job is remembered (`dedup_window`); failed jobs are kept as the
 * dead-letter set; attempts back off exponentially. The producer connection does not queue commands while Redis is
 * down, so the webhook fails fast (503) instead of hanging; until its first connection, BullMQ holds the queue's
 * commands back, so a callback arriving just after start-up waits for it (within the timeout) instead of a 503.
 */
@Injectable()
export class BullMqQueue extends CallbackQueue {
  readonly type = 'advanced' as const;
  private readonly logger = new Logger('BullMqQueue');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(CALLBACK_QUEUE) private readonly queue: Queue<CallbackJob>,
    @Optional() @Inject(CALLBACK_WORKER) private readonly worker?: JobWorker<CallbackJob>,
  ) {
    super();
    this.queue.on('error', (err) => this.logger.warn({ error: err.message }, 'Queue connection error'));
  }

  private get prefix(): string {
    return bullPrefix(this.config);
  }

  async enqueue(job: CallbackJob): Promise<'queued' | 'duplicate'> {
    const q = this.config.queue;
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    try {
      const store = async (): Promise<'queued' | 'duplicate'> => {
        // resolves at once once the queue has connected; before that, when it first connects
        const client = await this.queue.getBackend().client;
        if (expired) throw new Error('answered already'); // a 503 went out: Gewe sends it again
        // BullMQ silently keeps the first job of an id (adding it again changes nothing), so the answer learns that
        // it was a repeat from a look at the job's hash sent just before the add on the same connection — both in one
        // round trip.
        const [known] = await Promise.all([
          client.hexists(`${this.prefix}:${q.name}:${job.dedupKey}`, 'data'),
          this.queue.add('callback', job, {
            jobId: job.dedupKey,
            attempts: q.attempts,
            backoff: { type: 'exponential', delay: q.backoff },
            removeOnComplete: { age: Math.ceil(q.dedup_window / 1000) },
            removeOnFail: false,
          }),
        ]);
        return known ? 'duplicate' : 'queued';
      };
      return await Promise.race([
        store(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            expired = true;
            reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT.ms} ms`));
          }, ENQUEUE_TIMEOUT.ms);
        }),
      ]);
    } catch (err) {
      throw new QueueUnavailableError((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  consume(handler: JobHandler): void {
    if (!this.worker) throw new Error('this instance has no callback worker (backend.role = "webhook")');
    this.worker.worker.on('failed', (job, err) =>
      this.logger.warn(
        {
          jobId: job?.id,
          attempts: job?.attemptsMade,
          dead: job ? job.attemptsMade >= (job.opts.attempts ?? 1) : undefined,
          error: err.message,
        },
        'Callback processing failed',
      ),
    );
    this.worker.start((job) => handler(job.data));
  }

  async depth(): Promise<QueueDepth> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async failed(page: number, limit: number): Promise<Page<FailedJob>> {
    const start = (page - 1) * limit;
    const [jobs, total] = await Promise.all([
      this.queue.getFailed(start, start + limit - 1),
      this.queue.getFailedCount(),
    ]);
    return {
      items: jobs.map((j: Job<CallbackJob>) => ({
        id: String(j.id),
        robotId: j.data.robotId,
        dedupKey: j.data.dedupKey,
        attempts: j.attemptsMade,
        error: j.failedReason ?? null,
        receivedAt: j.data.receivedAt,
        failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
      })),
      total,
      page,
      limit,
    };
  }

  async retry(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed');
    return true;
  }

  async discard(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.remove();
    return true;
  }

  async close(): Promise<void> {
    // @nestjs/bullmq closes the worker and the queue at application shutdown too, but in the order of its own module;
    // closing the worker here (the same graceful close, done once) lets the jobs in flight finish while the database
    // they write to is still open. The jobs not started stay in Redis for the next start.
    await this.worker?.worker.close().catch(() => undefined);
  }
}
