import { BullModule, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DynamicModule, Logger, Type } from '@nestjs/common';
import type { Job, RedisOptions, WorkerOptions } from 'bullmq';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/**
 * BullMQ through @nestjs/bullmq, for the advanced queue mode only: AppModule imports `bullRoot()` and the queues'
 * modules only when `queue.queue_type = "advanced"`, so simple mode registers no BullMQ and opens no Redis connection.
 * The library owns the connections (made from these options) and closes queues and workers at shutdown.
 */

/** Keys of every BullMQ queue: `<redis.prefix>bull:<queue>:…`. */
export function bullPrefix(config: AppConfig): string {
  return `${config.redis.prefix}bull`;
}

const retryStrategy = (times: number): number => Math.min(times * 200, 3000);

/**
 * The producers' connection (one per queue): no offline queue, so while Redis is away an enqueue is refused at once
 * (the webhook answers 503) instead of waiting in ioredis' memory. BullMQ still waits for the first connection before
 * a queue's first command, so a callback sent just after start-up is stored rather than refused. Auto-pipelining:
 * the adds of the callbacks accepted in one turn of the event loop go to Redis in one write (under load, a socket
 * write per callback was a tenth of the webhook's CPU).
 */
export function producerConnection(config: AppConfig): RedisOptions {
  return {
    url: config.queue.broker,
    connectionName: 'opengewe-queue-producer',
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    retryStrategy,
  };
}

/** The workers' connections: a worker waits for Redis to come back (offline queue on, no retry limit). */
export function workerConnection(config: AppConfig): RedisOptions {
  return {
    url: config.queue.broker,
    connectionName: 'opengewe-queue-worker',
    maxRetriesPerRequest: null,
    retryStrategy,
  };
}

/** The shared BullMQ configuration, from the typed config. */
export function bullRoot(): DynamicModule {
  return BullModule.forRootAsync({
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({ connection: producerConnection(config), prefix: bullPrefix(config) }),
  });
}

export type JobHandler<T> = (job: Job<T>) => Promise<unknown>;

/**
 * A queue's worker as @nestjs/bullmq builds it (`@Processor`, `WorkerHost`). It does not run until its queue adapter
 * calls `start` with the handler: the adapter, not the worker, knows what a job means, and an instance only consumes
 * once its role says so.
 */
export abstract class JobWorker<T> extends WorkerHost {
  protected abstract readonly logger: Logger;
  private handler?: JobHandler<T>;

  start(handler: JobHandler<T>): void {
    if (this.handler) throw new Error(`the worker of ${this.worker.name} is started already`);
    this.handler = handler;
    this.worker.run().catch((err: Error) => this.logger.error({ error: err.message }, 'Worker stopped'));
  }

  async process(job: Job<T>): Promise<unknown> {
    if (!this.handler) throw new Error('the worker runs without a handler'); // never: run() is called by start()
    return this.handler(job);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn({ error: err.message }, 'Worker connection error');
  }
}

/**
 * The worker class of one queue. Its options come from the config, and `@Processor` takes them at class definition, so
 * the class is made once per config (as Nest's own mixins are). `autorun: false`: it starts in `JobWorker.start`.
 */
export function jobWorker<T>(
  queueName: string,
  config: AppConfig,
  options: Omit<WorkerOptions, 'connection' | 'prefix' | 'autorun'>,
  loggerName: string,
): Type<JobWorker<T>> {
  @Processor(queueName, {
    ...options,
    connection: workerConnection(config),
    prefix: bullPrefix(config),
    autorun: false,
  })
  class Worker extends JobWorker<T> {
    protected readonly logger = new Logger(loggerName);
  }
  return Worker;
}
