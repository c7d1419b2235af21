import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AiModule } from '../ai/ai.module';
import { FileModule } from '../file/file.module';
import { DeferredRunner } from './deferred-runner';
import { PluginConfigResolver } from './plugin-config-resolver';
import { PluginHealth } from './plugin-health';
import { PluginPorts } from './plugin-ports';
import { PluginRecordsStore } from './plugin-records.store';
import { PluginTools } from './plugin-tools';
import { MessagingModule } from '../sending/messaging.module';
import { RobotModule } from '../robot/robot.module';
import { PluginChatSettingEntity } from './plugin-chat-setting.entity';
import { PluginKvEntity } from './plugin-kv.entity';
import { PluginKvStore } from './plugin-kv.store';
import { PluginRobotSettingEntity } from './plugin-robot-setting.entity';
import { PluginSettingsStore } from './plugin-settings.store';
import { ChatPluginController, PluginController, RobotPluginController } from './plugin.controller';
import { PluginDispatcher } from './plugin.dispatcher';
import { PluginEntity } from './plugin.entity';
import { PluginLoader } from './plugin.loader';
import { PluginRegistry } from './plugin.registry';
import { PluginScheduler } from './plugin.scheduler';
import { PluginService } from './plugin.service';
// platform-b: plugin records
import { PluginRecordEntity } from './plugin-record.entity';
import { PluginRecordsController } from './plugin-records.controller';
import { PluginRecordsService } from './plugin-records.service';

/** Plugins: discovery and loading, dispatch of events to handlers, scheduled jobs, and the plugin API. */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      PluginEntity,
      PluginRobotSettingEntity,
      PluginChatSettingEntity,
      PluginKvEntity,
      PluginRecordEntity,
    ]),
    RobotModule,
    MessagingModule,
    FileModule,
    AiModule,
  ],
  controllers: [PluginController, RobotPluginController, PluginRecordsController, ChatPluginController],
  providers: [
    PluginLoader,
    PluginSettingsStore,
    PluginKvStore,
    PluginRegistry,
    PluginDispatcher,
    PluginScheduler,
    PluginService,
    PluginConfigResolver,
    PluginPorts,
    PluginRecordsStore,
    PluginTools,
    DeferredRunner,
    PluginHealth,
    PluginRecordsService,
  ],
  exports: [PluginDispatcher, PluginRegistry, PluginSettingsStore, PluginPorts, PluginRecordsStore],
})
export class PluginModule {}
