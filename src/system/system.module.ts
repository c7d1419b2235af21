import { Module } from '@nestjs/common';
import { SqliteFileWatch } from '../database/sqlite-file-watch';
import { PluginModule } from '../plugin/plugin.module';
import { RobotModule } from '../robot/robot.module';
import { SettingsModule } from '../settings/settings.module';
import { UserModule } from '../user/user.module';
import { HealthController } from './health.controller';
import { RedisProbe } from './redis-probe';
import { SystemController } from './system.controller';
import { SystemService } from './system.service';

/** System status and health: an orchestrator that asks the owning services for their figures. */
@Module({
  imports: [SettingsModule, RobotModule, PluginModule, UserModule],
  controllers: [SystemController, HealthController],
  providers: [SystemService, RedisProbe, SqliteFileWatch],
})
export class SystemModule {}
