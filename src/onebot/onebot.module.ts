import { Module } from '@nestjs/common';
import { OneBotActions } from './onebot.actions';
import { OneBotGateway } from './onebot.gateway';
import { OneBotHub } from './onebot.hub';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotSettingsService } from './onebot-settings.service';

/**
 * The OneBot v11 gateway: per-robot settings, id aliases, the translation of WeChat events into OneBot events, the
 * actions, and the four transports (forward and reverse WebSocket, HTTP API, HTTP POST). The pipeline hands it every
 * message new to the log (OneBotGateway); it sends through the robots' governed messengers.
 */
@Module({
  imports: [],
  controllers: [],
  providers: [OneBotSettingsService, OneBotIdStore, OneBotGateway, OneBotHub, OneBotActions, OneBotMedia],
  exports: [OneBotGateway],
})
export class OneBotModule {}
