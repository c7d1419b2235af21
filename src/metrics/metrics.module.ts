import { Global, Module } from '@nestjs/common';
import { AlertModule } from '../alert/alert.module';
import { MessagingModule } from '../sending/messaging.module';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { MetricsScrapeService } from '../metrics-scrape/metrics-scrape.service';
import { MetricsController } from '../metrics-scrape/metrics.controller';
import { MetricsService } from './metrics.service';

/** The recorder every module reports to (global, so recording sites need no import). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsCoreModule {}

/** GET /metrics: the recorder's metrics plus the shared gauges read on scrape. */
@Module({
  imports: [QueueModule, RobotModule, MessagingModule, AlertModule],
  controllers: [MetricsController],
  providers: [MetricsScrapeService],
})
export class MetricsModule {}
