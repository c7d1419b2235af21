import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The recorder every module reports to (global, so recording sites need no import). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsCoreModule {}
