import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { FileModule } from '../file/file.module';
import { MessageModule } from '../message-log/message.module';
import { PluginModule } from '../plugin/plugin.module';
import { CallbackQueue } from '../queue/callback-queue';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { OneBotModule } from '../onebot/onebot.module';
import { OutboundWebhookModule } from '../outbound-webhooks/outbound-webhook.module';
import { MessagingModule } from '../sending/messaging.module';
import { RelationsModule } from '../relations/relations.module';
import { CallbackProcessor } from './callback.processor';

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

/**
 * The pipeline: an orchestrator on top of the domain modules. It takes each queued callback (the queue's port) through
 * classify → record → prepare → run → save (CallbackProcessor), with the robots, the message log, media downloads and
 * the plugins as its collaborators. The webhook only needs the queue, so it does not depend on any of this.
 */
@Module({
  imports: [
    QueueModule,
    RobotModule,
    MessageModule,
    PluginModule,
    MessagingModule,
    FileModule,
    OneBotModule,
    RelationsModule,
    OutboundWebhookModule,
  ],
  providers: [CallbackProcessor, QueueConsumer],
})
export class PipelineModule {}
