import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GeweModule } from '../gewe/gewe.module';
import { SettingsModule } from '../settings/settings.module';
import { RobotHealthService } from './robot-health.service';
import { RobotLoginService } from './robot-login.service';
import { RobotProfileService } from './robot-profile.service';
import { robotStateStoreProvider } from '../coordination/robot-state.provider';
import { RobotController } from './robot.controller';
import { RobotEntity } from './robot.entity';
import { RobotService } from './robot.service';
import { HostNetwork } from './callback-url';
import { RobotStateStore } from '../coordination/robot-state.store';

@Module({
  imports: [TypeOrmModule.forFeature([RobotEntity]), GeweModule, SettingsModule],
  controllers: [RobotController],
  providers: [
    HostNetwork,
    RobotService,
    RobotLoginService,
    RobotHealthService,
    RobotProfileService,
    robotStateStoreProvider,
  ],
  exports: [RobotService, RobotHealthService, RobotStateStore],
})
export class RobotModule {}
