import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileModule } from '../file/file.module';
import { MessageModule } from '../message-log/message.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { OneBotActions } from './onebot.actions';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHub } from './onebot.hub';
import { OneBotIdEntity } from './onebot-id.entity';
import { OneBotIdStore, OneBotIdTable } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotMessageEntity } from './onebot-message.entity';
import { OneBotSettingsController } from './onebot-settings.controller';
import { OneBotSettingsEntity } from './onebot-settings.entity';
import { OneBotMediaController } from './onebot-media.controller';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotStatusService } from './onebot-status.service';

/**
 * The OneBot v11 gateway: per-robot settings, id aliases, the translation of WeChat events into OneBot events, the
 * actions, and the four transports (forward and reverse WebSocket, HTTP API, HTTP POST). The pipeline hands it every
 * message new to the log (OneBotGateway); it sends through the robots' governed messengers.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OneBotIdEntity, OneBotMessageEntity, OneBotSettingsEntity]),
    // actions and media: the robots, their governed messengers, the message log and the file store
    RobotModule,
    MessagingModule,
    MessageModule,
    FileModule,
  ],
  controllers: [OneBotSettingsController, OneBotMediaController],
  providers: [
    OneBotSettingsService,
    OneBotStatusService,
    OneBotIdTable,
    OneBotIdStore,
    OneBotGateway,
    OneBotHub,
    OneBotActions,
    OneBotMedia,
  ],
  exports: [OneBotGateway, OneBotSettingsService, OneBotIdStore],
})
export class OneBotModule {}
