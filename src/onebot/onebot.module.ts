import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RobotModule } from '../robot/robot.module';
import { OneBotActions } from './onebot.actions';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHub } from './onebot.hub';
import { OneBotIdEntity } from './onebot-id.entity';
import { OneBotIdStore, OneBotIdTable } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotMessageEntity } from './onebot-message.entity';
import { OneBotSettingsController } from './onebot-settings.controller';
import { OneBotSettingsEntity } from './onebot-settings.entity';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotStatusService } from './onebot-status.service';

/**
 * The OneBot v11 gateway: per-robot settings, id aliases, the translation of WeChat events into OneBot events, the
 * actions, and the four transports (forward and reverse WebSocket, HTTP API, HTTP POST). The pipeline hands it every
 * message new to the log (OneBotGateway); it sends through the robots' governed messengers.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OneBotIdEntity, OneBotMessageEntity, OneBotSettingsEntity]), RobotModule],
  controllers: [OneBotSettingsController],
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
