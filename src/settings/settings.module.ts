import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigEntity } from './config.entity';
import { RuntimeSettingsService } from './runtime-settings.service';

/** Runtime settings: the config file's values overridden from the console, stored in the `config` table. */
@Module({
  imports: [TypeOrmModule.forFeature([ConfigEntity])],
  providers: [RuntimeSettingsService],
  exports: [RuntimeSettingsService],
})
export class SettingsModule {}
