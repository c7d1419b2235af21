import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { jobWorker } from '../redis/bullmq';
import { MEDIA_QUEUE, MEDIA_WORKER, MediaBullQueue, MediaJob } from './media-bull.queue';

export function mediaQueueName(config: AppConfig): string {
  return `${config.queue.name}-media`;
}

/**
 * The media download queue on BullMQ (advanced mode only; AppModule leaves it out in simple mode) and, where this
 * instance's role processes callbacks, its worker. Global so that FileModule finds the MediaBullQueue adapter when it
 * exists.
 */
@Module({})
export class MediaBullModule {
  static register(config: AppConfig): DynamicModule {
    const worker = jobWorker<MediaJob>(
      mediaQueueName(config),
      config,
      {
        concurrency: config.files.concurrency,
        lockDuration: config.queue.lock_duration,
        stalledInterval: config.queue.stalled_interval,
        // a stalled try runs again harmlessly (its claim finds the row taken); the sweep hands the row out again
        maxStalledCount: 3,
      },
      'MediaWorker',
    );
    return {
      module: MediaBullModule,
      global: true,
      imports: [
        BullModule.registerQueueAsync({
          name: MEDIA_QUEUE,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ name: mediaQueueName(c) }),
        }),
      ],
      providers: [
        MediaBullQueue,
        ...(config.backend.role === 'webhook' ? [] : [{ provide: MEDIA_WORKER, useClass: worker }]),
      ],
      exports: [MediaBullQueue],
    };
  }
}
