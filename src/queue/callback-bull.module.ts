import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { jobWorker } from '../redis/bullmq';
import { BullMqQueue, CALLBACK_QUEUE, CALLBACK_WORKER } from './bullmq.queue';
import type { CallbackJob } from './callback-queue';

/**
 * The callback queue on BullMQ (advanced mode only; AppModule leaves it out in simple mode): the queue, named
 * `queue.name`, and — where this instance's role processes callbacks — its worker, with the stalled-job settings of
 * the config. Global so that QueueModule finds the BullMqQueue adapter when it exists.
 */
@Module({})
export class CallbackBullModule {
  static register(config: AppConfig): DynamicModule {
    const q = config.queue;
    const worker = jobWorker<CallbackJob>(
      q.name,
      config,
      {
        concurrency: q.concurrency,
        // A worker that dies (kill -9, OOM) keeps its jobs active until their lock expires; then a stalled check of
        // any worker queues them again.
        lockDuration: q.lock_duration,
        stalledInterval: q.stalled_interval,
        // BullMQ fails a job for good once it stalled more than this. Running a stalled job again is safe here (the
        // message log's dispatch marker turns a re-run after a cut dispatch into `interrupted`, never a second plugin
        // call), while failing it means a lost callback until someone retries it: allow a few stalls, e.g. a worker
        // killed and its successor's event loop starved long enough to miss a lock renewal.
        maxStalledCount: 3,
      },
      'CallbackWorker',
    );
    return {
      module: CallbackBullModule,
      global: true,
      imports: [
        BullModule.registerQueueAsync({
          name: CALLBACK_QUEUE,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ name: c.queue.name }),
        }),
      ],
      providers: [
        BullMqQueue,
        ...(config.backend.role === 'webhook' ? [] : [{ provide: CALLBACK_WORKER, useClass: worker }]),
      ],
      exports: [BullMqQueue],
    };
  }
}
