import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { jobWorker } from '../redis/bullmq';
import { DeliveryBullQueue, OUTBOUND_QUEUE, OUTBOUND_WORKER, OutboundJob } from './delivery-bull.queue';

export function outboundQueueName(config: AppConfig): string {
  return `${config.queue.name}-outbound`;
}

/**
 * The outbound delivery queue on BullMQ (advanced mode only; AppModule leaves it out in simple mode) and, where this
 * instance's role processes callbacks, its worker. Global so that OutboundWebhookModule finds the adapter.
 */
@Module({})
export class OutboundBullModule {
  static register(config: AppConfig): DynamicModule {
    const worker = jobWorker<OutboundJob>(
      outboundQueueName(config),
      config,
      {
        concurrency: config.outbound_webhooks.concurrency,
        lockDuration: config.queue.lock_duration,
        stalledInterval: config.queue.stalled_interval,
        maxStalledCount: 3,
      },
      'OutboundWorker',
    );
    return {
      module: OutboundBullModule,
      global: true,
      imports: [
        BullModule.registerQueueAsync({
          name: OUTBOUND_QUEUE,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ name: outboundQueueName(c) }),
        }),
      ],
      providers: [
        DeliveryBullQueue,
        ...(config.backend.role === 'webhook' ? [] : [{ provide: OUTBOUND_WORKER, useClass: worker }]),
      ],
      exports: [DeliveryBullQueue],
    };
  }
}
