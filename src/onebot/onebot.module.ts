import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileModule } from '../file/file.module';
import { MessageModule } from '../message-log/message.module';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { OneBotActions } from './onebot.actions';
import { OneBotAuth } from './onebot-auth';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHttpController } from './onebot-http.controller';
import { EventPoster, OneBotHttpPost } from './onebot-http-post';
import { OneBotHub } from './onebot.hub';
import { OneBotIdEntity } from './onebot-id.entity';
import { OneBotIdStore, OneBotIdTable } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotMediaController } from './onebot-media.controller';
import { OneBotMessageEntity } from './onebot-message.entity';
import { OneBotReverseWs } from './onebot-reverse';
import { OneBotSettingsController } from './onebot-settings.controller';
import { OneBotSettingsEntity } from './onebot-settings.entity';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotStatusService } from './onebot-status.service';
import { OneBotWsServer } from './onebot-ws.server';

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
  controllers: [OneBotSettingsController, OneBotMediaController, OneBotHttpController],
  providers: [
    OneBotSettingsService,
    OneBotStatusService,
    OneBotIdTable,
    OneBotIdStore,
    OneBotGateway,
    OneBotHub,
    OneBotActions,
    OneBotMedia,
    OneBotAuth,
    OneBotWsServer,
    OneBotReverseWs,
    OneBotHttpPost,
    EventPoster,
  ],
  exports: [OneBotGateway, OneBotSettingsService, OneBotIdStore],
})
export class OneBotModule {}
