import { notFound } from '../common/domain-error';
import type { RobotService } from '../robot/robot.service';
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
  it("answers the hub's figures for the robot, with whether its OneBot is enabled", async () => {
    const figures = { clients: [], eventsPerMinute: 3, actionsPerMinute: 2, authFailures: 1, sendBacklog: 4 };
    const s = service({ status: () => ({ ...figures, robotId: 1, lastErrors: [] }) });
    expect(await s.status(1)).toEqual({ ...figures, robotId: 1, enabled: true, lastErrors: [] });
  });

  it('refuses an unknown robot with 404', async () => {
    await expect(service({}).status(2)).rejects.toMatchObject({ code: 'ROBOT_NOT_FOUND' });
  });
});
