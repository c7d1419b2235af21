import { Module } from '@nestjs/common';
import { GeweModule } from '../gewe/gewe.module';
import { RobotModule } from '../robot/robot.module';
import { MessageSendController } from './message-send.controller';
import { MessageSendService } from './message-send.service';
import { MessengerFactory } from './messenger.factory';
import { SendGovernor } from './send-governor';
import { SendJournal } from './send-journal';

/** The send governor, robots' governed messengers, and the send API (POST /api/robots/{robot_id}/messages). */
@Module({
  imports: [GeweModule, RobotModule],
  controllers: [MessageSendController],
  providers: [SendGovernor, MessengerFactory, MessageSendService, SendJournal],
  exports: [SendGovernor, MessengerFactory, SendJournal],
})
export class MessagingModule {}
