import { Module } from '@nestjs/common';
import { RobotModule } from '../robot/robot.module';
import { MessagingModule } from '../sending/messaging.module';
import { OneBotActions } from './onebot.actions';
import { OneBotAuth } from './onebot-auth';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHttpController } from './onebot-http.controller';
import { EventPoster, OneBotHttpPost } from './onebot-http-post';
import { OneBotHub } from './onebot.hub';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotReverseWs } from './onebot-reverse';
import { OneBotSettingsService } from './onebot-settings.service';
import { OneBotWsServer } from './onebot-ws.server';

/**
 * The OneBot v11 gateway: per-robot settings, id aliases, the translation of WeChat events into OneBot events, the
 * actions, and the four transports (forward and reverse WebSocket, HTTP API, HTTP POST). The pipeline hands it every
 * message new to the log (OneBotGateway); it sends through the robots' governed messengers.
 */
@Module({
  imports: [RobotModule, MessagingModule],
  controllers: [OneBotHttpController],
  providers: [
    OneBotSettingsService,
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
  exports: [OneBotGateway],
})
export class OneBotModule {}
