import { Injectable, Logger } from '@nestjs/common';
import { RobotService } from '../robot/robot.service';
import type { OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import { OneBotHub } from './onebot.hub';
import { OneBotSettingsService } from './onebot-settings.service';

/**
 * GET /api/robots/{robot_id}/onebot/status: the hub's figures for the robot on this instance. A hub that fails to
 * answer still gives the console a sane answer (no clients, zero counts) rather than a 500.
 */
@Injectable()
export class OneBotStatusService {
  private readonly logger = new Logger(OneBotStatusService.name);

  constructor(
    private readonly robots: RobotService,
    private readonly settings: OneBotSettingsService,
    private readonly hub: OneBotHub,
  ) {}

  async status(robotId: number): Promise<OneBotStatusResponseDto> {
    await this.robots.entity(robotId);
    const { enabled } = await this.settings.get(robotId);
    try {
      return { ...this.hub.status(robotId), robotId, enabled };
    } catch (err) {
      this.logger.warn({ robotId, error: (err as Error).message }, 'OneBot status: the hub did not answer');
      return {
        robotId,
        enabled,
        clients: [],
        eventsPerMinute: 0,
        actionsPerMinute: 0,
        authFailures: 0,
        sendBacklog: 0,
        lastErrors: [],
      };
    }
  }
}
