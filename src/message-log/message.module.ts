import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FileModule } from '../file/file.module';
import { PluginModule } from '../plugin/plugin.module';
import { RobotModule } from '../robot/robot.module';
import { MessageDeferredResults } from './message-deferred-results';
import { MessageReplayService } from './message-replay.service';
import { MessageController } from './message.controller';
import { MessageEntity } from './message.entity';
import { MessageLogService } from './message-log.service';
import { MessageHistorySource } from './message-history.source';

@Module({
  imports: [TypeOrmModule.forFeature([MessageEntity]), RobotModule, PluginModule, FileModule],
  controllers: [MessageController],
  providers: [MessageLogService, MessageReplayService, MessageDeferredResults, MessageHistorySource],
  exports: [MessageLogService],
})
export class MessageModule {}
