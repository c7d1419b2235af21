import { Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RawSql } from '../database/raw-sql';
import { MessagingModule } from '../sending/messaging.module';
import { BullMqQueue } from './bullmq.queue';
import { CallbackQueue } from './callback-queue';
import { InboxEntity } from './inbox.entity';
import { InboxQueue } from './inbox.queue';
import { QueueController } from './queue.controller';
import { ParsedPayloads } from './parsed-payloads';
import { QueueDepthPublisher } from './queue-depth.publisher';

@Module({
  // the queue API reports the send governor's backlog beside the callback queue's
  imports: [TypeOrmModule.forFeature([InboxEntity]), MessagingModule],
  controllers: [QueueController],
  providers: [
    {
      // BullMqQueue exists in advanced mode only (CallbackBullModule, imported by AppModule then)
      provide: CallbackQueue,
      inject: [APP_CONFIG, getRepositoryToken(InboxEntity), RawSql, { token: BullMqQueue, optional: true }],
      useFactory: (
        config: AppConfig,
        inbox: Repository<InboxEntity>,
        sql: RawSql,
        bull?: BullMqQueue,
      ): CallbackQueue => {
        if (config.queue.queue_type !== 'advanced') return new InboxQueue(inbox, sql, config);
        if (!bull) throw new Error('queue.queue_type = "advanced" needs CallbackBullModule');
        return bull;
      },
    },
    QueueDepthPublisher,
    ParsedPayloads,
  ],
  exports: [CallbackQueue, ParsedPayloads],
})
export class QueueModule {}
