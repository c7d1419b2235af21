import { Module } from '@nestjs/common';
import { AlertModule } from '../alert/alert.module';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { MetricsScrapeService } from './metrics-scrape.service';
import { MetricsController } from './metrics.controller';

/** GET /metrics: the recorder's metrics plus the shared gauges read on scrape (an orchestrator over the services). */
@Module({
  imports: [QueueModule, RobotModule, MessagingModule, AlertModule],
  controllers: [MetricsController],
  providers: [MetricsScrapeService],
})
export class MetricsScrapeModule {}
