import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import type { Page } from '../common/dto/pagination.dto';
import { CallbackJob, CallbackQueue, FailedJob, JobHandler, QueueDepth, QueueUnavailableError } from './callback-queue';

/** How long the webhook waits for Redis to take a job before answering 503. */
const ENQUEUE_TIMEOUT_MS = 3000;

/**
 * Advanced mode: BullMQ on Redis. The job id is the dedup key, so a callback Gewe sends again is not added twice
 * while its completed job is remembered (`dedup_window`); failed jobs are kept as the dead-letter set; attempts back
 * off exponentially. The producer connection does not queue commands while Redis is down, so the webhook fails fast
 * (503) instead of hanging.
 */
export class BullMqQueue extends CallbackQueue {
  readonly type = 'advanced' as const;
  private readonly logger = new Logger('BullMqQueue');
  private readonly producer: Redis;
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly connections: Redis[] = [];
  /**
   * The producer's first connection. Without an offline queue a command sent before it is refused at once, so a
   * callback arriving just after start-up would be a 503; until then enqueue waits for it (within its timeout).
   * Later, while Redis is away, enqueue still fails fast.
   */
  private readonly firstReady: Promise<void>;
  private connected = false;

  constructor(private readonly config: AppConfig) {
    super();
    this.producer = this.connect('producer', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.firstReady = new Promise((resolve) => this.producer.once('ready', () => resolve()));
    this.queue = new Queue(config.queue.name, { connection: this.producer, prefix: this.prefix });
    this.queue.on('error', (err) => this.logger.warn({ error: err.message }, 'Queue connection error'));
  }

  private get prefix(): string {
    return `${this.config.redis.prefix}bull`;
  }

  private connect(role: string, extra: Record<string, unknown>): Redis {
    const client = new Redis(this.config.queue.broker, {
      connectionName: `opengewe-queue-${role}`,
      retryStrategy: (times: number) => Math.min(times * 200, 3000),
      ...extra,
    });
    client.on('error', () => undefined); // reported by the operations that need the connection
    this.connections.push(client);
    return client;
  }

  async enqueue(job: CallbackJob): Promise<'queued' | 'duplicate'> {
    const q = this.config.queue;
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    try {
      const store = async (): Promise<'queued' | 'duplicate'> => {
        if (!this.connected) {
          await this.firstReady;
          this.connected = true;
          if (expired) throw new Error('answered already'); // a 503 went out: Gewe sends it again
        }
        // BullMQ silently keeps the first job of an id (adding it again changes nothing), so the answer learns that
        // it was a repeat from an EXISTS sent just before the add on the same connection — both in one round trip.
        const [known] = await Promise.all([
          this.producer.exists(`${this.prefix}:${q.name}:${job.dedupKey}`),
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
            reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`));
          }, ENQUEUE_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      throw new QueueUnavailableError((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  consume(handler: JobHandler): void {
    const connection = this.connect('worker', { maxRetriesPerRequest: null });
    this.worker = new Worker(
      this.config.queue.name,
      async (job: Job<CallbackJob>) => {
        await handler(job.data);
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: this.config.queue.concurrency,
        // A worker that dies (kill -9, OOM) keeps its jobs active until their lock expires; then a stalled check of
        // any worker queues them again.
        lockDuration: this.config.queue.lock_duration,
        stalledInterval: this.config.queue.stalled_interval,
        // BullMQ fails a job for good once it stalled more than this. Running a stalled job again is safe here (the
        // message log's dispatch marker turns a re-run after a cut dispatch into `interrupted`, never a second plugin
        // call), while failing it means a lost callback until someone retries it: allow a few stalls, e.g. a worker
        // killed and its successor's event loop starved long enough to miss a lock renewal.
        maxStalledCount: 3,
      },
    );
    this.worker.on('failed', (job, err) =>
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
    this.worker.on('error', (err) => this.logger.warn({ error: err.message }, 'Worker connection error'));
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
    // A graceful worker close lets jobs in flight finish; the rest stay in Redis for the next start.
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}
