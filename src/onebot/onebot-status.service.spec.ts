import { Logger } from '@nestjs/common';
import { notFound } from '../common/domain-error';
import type { RobotService } from '../robot/robot.service';
import type { OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import type { OneBotHub } from './onebot.hub';
import type { OneBotSettingsService } from './onebot-settings.service';
import { OneBotStatusService } from './onebot-status.service';

function service(hub: Partial<OneBotHub>) {
  return new OneBotStatusService(
    {
      entity: (id: number) =>
        id === 1 ? Promise.resolve({ id }) : Promise.reject(notFound('ROBOT_NOT_FOUND', 'no', { id })),
    } as unknown as RobotService,
    { get: (robotId: number) => Promise.resolve({ robotId, enabled: true }) } as unknown as OneBotSettingsService,
    hub as OneBotHub,
  );
}

describe('OneBotStatusService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("answers the hub's figures for the robot, with whether its OneBot is enabled", async () => {
    const figures = { clients: [], eventsPerMinute: 3, actionsPerMinute: 2, authFailures: 1, sendBacklog: 4 };
    const s = service({ status: () => ({ ...figures, robotId: 1, enabled: false, lastErrors: [] }) });
    expect(await s.status(1)).toEqual({ ...figures, robotId: 1, enabled: true, lastErrors: [] });
  });

  it('still answers, with no clients and zero counts, when the hub fails', async () => {
    const s = service({
      status: (): OneBotStatusResponseDto => {
        throw new Error('not implemented');
      },
    });
    expect(await s.status(1)).toEqual({
      robotId: 1,
      enabled: true,
      clients: [],
      eventsPerMinute: 0,
      actionsPerMinute: 0,
      authFailures: 0,
      sendBacklog: 0,
      lastErrors: [],
    });
  });

  it('refuses an unknown robot with 404', async () => {
    await expect(service({}).status(2)).rejects.toMatchObject({ code: 'ROBOT_NOT_FOUND' });
  });
});
