import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '../sending/messaging.module';
import { PluginModule } from '../plugin/plugin.module';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { SettingsModule } from '../settings/settings.module';
import { AlertController } from './alert.controller';
import { AlertEntity } from './alert.entity';
import { AlertEvaluator } from './alert.evaluator';
import { AlertService } from './alert.service';
import { AlertNotifier, WebhookPoster } from './alert-notifier';
import { GeweCallStats } from './gewe-call-stats';

/** Alerts: rules evaluated on an interval by one instance, incidents in the alerts table, webhook and WeChat channels. */
@Module({
  imports: [
    TypeOrmModule.forFeature([AlertEntity]),
    SettingsModule,
    RobotModule,
    PluginModule,
    QueueModule,
    MessagingModule,
  ],
  controllers: [AlertController],
  providers: [AlertService, AlertEvaluator, AlertNotifier, WebhookPoster, GeweCallStats],
  exports: [AlertService, AlertEvaluator],
})
export class AlertModule {}
