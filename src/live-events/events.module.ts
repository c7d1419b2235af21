import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RobotModule } from '../robot/robot.module';
import { EventBus } from './event-bus';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { LogEventsPublisher } from './log-events';

/** Live events: the EventBus (global, so any module can publish), log lines as events, and GET /api/events. */
@Global()
@Module({
  imports: [AuthModule, RobotModule],
  controllers: [EventsController],
  providers: [EventBus, EventsService, LogEventsPublisher],
  exports: [EventBus],
})
export class EventsModule {}
