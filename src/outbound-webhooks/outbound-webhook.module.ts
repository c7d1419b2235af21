import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RobotModule } from '../robot/robot.module';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DeliveryAttempts } from './delivery-attempts';
import { DeliveryBullQueue } from './delivery-bull.queue';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryTableQueue } from './delivery-table.queue';
import { OutboundAttemptEntity } from './outbound-attempt.entity';
import { OutboundDeliveryEntity } from './outbound-delivery.entity';
import { OutboundWebhookController } from './outbound-webhook.controller';
import { OutboundWebhookEntity } from './outbound-webhook.entity';
import { OutboundWebhookService } from './outbound-webhook.service';

/**
 * Outbound webhooks (see docs/WEBHOOKS-OUT.md): subscriptions, signed deliveries through the DeliveryQueue port (the
 * table in simple mode, BullMQ in advanced mode: OutboundBullModule, imported by AppModule then), the delivery log
 * and the dead letters. The pipeline calls `OutboundWebhookService.onMessage` after a message is recorded.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OutboundWebhookEntity, OutboundDeliveryEntity, OutboundAttemptEntity]),
    RobotModule,
  ],
  controllers: [OutboundWebhookController],
  providers: [
    DeliveryAttempts,
    DeliveryTableQueue,
    {
      provide: DeliveryQueue,
      inject: [APP_CONFIG, DeliveryTableQueue, { token: DeliveryBullQueue, optional: true }],
      useFactory: (config: AppConfig, table: DeliveryTableQueue, bull?: DeliveryBullQueue): DeliveryQueue => {
        if (config.queue.queue_type !== 'advanced') return table;
        if (!bull) throw new Error('queue.queue_type = "advanced" needs OutboundBullModule');
        return bull;
      },
    },
    OutboundWebhookService,
  ],
  exports: [OutboundWebhookService],
})
export class OutboundWebhookModule {}
