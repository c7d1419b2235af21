import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { WebhookController } from './webhook.controller';
import { WebhookService } from './webhook.service';

@Module({ imports: [RobotModule, QueueModule], controllers: [WebhookController], providers: [WebhookService] })
export class WebhookModule {}
