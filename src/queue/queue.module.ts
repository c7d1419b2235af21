import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RawSql } from '../database/raw-sql';
import { FileModule } from '../file/file.module';
import { MessageModule } from '../message-log/message.module';
import { MessagingModule } from '../sending/messaging.module';
import { PluginModule } from '../plugin/plugin.module';
import { RobotModule } from '../robot/robot.module';
import { BullMqQueue } from './bullmq.queue';
import { CallbackQueue } from './callback-queue';
import { CallbackProcessor } from './callback.processor';
import { InboxEntity } from './inbox.entity';
import { InboxQueue } from './inbox.queue';
import { QueueController } from './queue.controller';
import { QueueDepthPublisher } from './queue-depth.publisher';

/** Starts consuming when this instance's role processes callbacks; on shutdown drains the jobs in flight. */
@Injectable()
export class QueueConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueConsumer.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: CallbackQueue,
    private readonly processor: CallbackProcessor,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.backend.role === 'webhook') return;
    this.queue.consume((job) => this.processor.process(job));
    this.logger.log({ type: this.queue.type, concurrency: this.config.queue.concurrency }, 'Processing callbacks');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

@Module({
  imports: [
    TypeOrmModule.forFeature([InboxEntity]),
    RobotModule,
    MessageModule,
    PluginModule,
    MessagingModule,
    FileModule,
  ],
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
    CallbackProcessor,
    QueueConsumer,
    QueueDepthPublisher,
  ],
  exports: [CallbackQueue],
})
export class QueueModule {}
