import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileModule } from '../file/file.module';
import { GeweModule } from '../gewe/gewe.module';
import { PluginModule } from '../plugin/plugin.module';
import { RobotModule } from '../robot/robot.module';
import { MessageDeferredResults } from './message-deferred-results';
import { ChatListService } from './chat-list.service';
import { ChatController } from './chat.controller';
import { MessageReplayService } from './message-replay.service';
import { MessageController } from './message.controller';
import { MessageEntity } from './message.entity';
import { MessageLogService } from './message-log.service';
import { MessageHistorySource } from './message-history.source';

@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity]), RobotModule, PluginModule, FileModule, GeweModule],
  controllers: [MessageController, ChatController],
  providers: [MessageLogService, MessageReplayService, MessageDeferredResults, MessageHistorySource, ChatListService],
  exports: [MessageLogService],
})
export class MessageModule {}
