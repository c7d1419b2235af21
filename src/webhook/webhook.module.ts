import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { WebhookController } from './webhook.controller';
import { WebhookKeyIndex } from './webhook-key-index';
import { WebhookService } from './webhook.service';

@Module({
  imports: [RobotModule, QueueModule],
  controllers: [WebhookController],
  providers: [WebhookService, WebhookKeyIndex],
})
export class WebhookModule {}
