import { Injectable } from '@nestjs/common';
import { GeweClientManager } from '../gewe/client-manager';
import { RobotProfileResponseDto } from './dto/robot.dto';
import { RobotService } from './robot.service';

@Injectable()
export class RobotProfileService {
  constructor(
    private readonly robots: RobotService,
    private readonly clients: GeweClientManager,
  ) {}

  /**
   * Reads the profile from Gewe and keeps the robot's nickname and avatar current. `raw` (all Gewe answered) only
   * when `detail` (an admin): for anyone else it is {} — it is whatever the host at the robot's baseUrl sent.
   */
  async profile(robotId: number, detail: boolean): Promise<RobotProfileResponseDto> {
    const robot = await this.robots.entity(robotId);
    const p = await this.clients.forRobot(robot).personal.getProfile();
    const avatarUrl = p.bigHeadImgUrl || p.smallHeadImgUrl || null;
    await this.robots.saveAccount(robotId, {
      wxid: p.wxid ?? robot.wxid,
      nickname: p.nickName ?? robot.nickname,
      avatarUrl,
    });
    return {
      wxid: p.wxid ?? null,
      nickname: p.nickName ?? null,
      alias: p.alias ?? null,
      avatarUrl,
      signature: p.signature ?? null,
      raw: detail ? { ...p } : {},
    };
  }
}
