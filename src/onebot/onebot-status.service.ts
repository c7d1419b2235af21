import { Injectable } from '@nestjs/common';
import { RobotService } from '../robot/robot.service';
import type { OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import { OneBotHub } from './onebot.hub';
import { OneBotSettingsService } from './onebot-settings.service';

/** GET /api/robots/{robot_id}/onebot/status: the hub's figures for the robot on this instance, and its settings' switch. */
@Injectable()
export class OneBotStatusService {
  constructor(
    private readonly robots: RobotService,
    private readonly settings: OneBotSettingsService,
    private readonly hub: OneBotHub,
  ) {}

  async status(robotId: number): Promise<OneBotStatusResponseDto> {
    await this.robots.entity(robotId);
    const { enabled } = await this.settings.get(robotId);
    return { ...this.hub.status(robotId), enabled };
  }
}
