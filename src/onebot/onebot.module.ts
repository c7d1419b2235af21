import { Module } from '@nestjs/common';
import { FileModule } from '../file/file.module';
import { MessageModule } from '../message-log/message.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { OneBotActions } from './onebot.actions';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHub } from './onebot.hub';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotMediaController } from './onebot-media.controller';
import { OneBotSettingsService } from './onebot-settings.service';

/**
 * The OneBot v11 gateway: per-robot settings, id aliases, the translation of WeChat events into OneBot events, the
 * actions, and the four transports (forward and reverse WebSocket, HTTP API, HTTP POST). The pipeline hands it every
 * message new to the log (OneBotGateway); it sends through the robots' governed messengers.
 */
@Module({
  // actions and media: the robots, their governed messengers, the message log and the file store
  imports: [RobotModule, MessagingModule, MessageModule, FileModule],
  controllers: [OneBotMediaController],
  providers: [OneBotSettingsService, OneBotIdStore, OneBotGateway, OneBotHub, OneBotActions, OneBotMedia],
  exports: [OneBotGateway],
})
export class OneBotModule {}
