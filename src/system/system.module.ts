import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigEntity } from '../settings/config.entity';
import { HealthController } from './health.controller';
import { RedisProbe } from './redis-probe';
import { RuntimeSettingsService } from '../settings/runtime-settings.service';
import { SystemController } from './system.controller';
import { SystemService } from './system.service';

@Module({
  imports: [TypeOrmModule.forFeature([ConfigEntity])],
  controllers: [SystemController, HealthController],
  providers: [SystemService, RuntimeSettingsService, RedisProbe],
  exports: [RuntimeSettingsService],
})
export class SystemModule {}
