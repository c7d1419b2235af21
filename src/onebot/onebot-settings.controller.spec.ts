import type { AuthUser } from '../common/auth.decorators';
import { OneBotSettingsController } from './onebot-settings.controller';
import type { OneBotSettingsService } from './onebot-settings.service';
import type { OneBotStatusService } from './onebot-status.service';

const token = (robotIds: number[] | null): AuthUser => ({
  id: 0,
  username: 'token:ci',
  isAdmin: false,
  sessionId: '',
  token: { id: 1, name: 'ci', scopes: ['robots:read', 'robots:write'], robotIds },
});

describe('OneBotSettingsController', () => {
  const calls: string[] = [];
  const controller = new OneBotSettingsController(
    {
      view: (id: number) => Promise.resolve(calls.push(`view ${id}`)),
      update: (id: number) => Promise.resolve(calls.push(`update ${id}`)),
    } as unknown as OneBotSettingsService,
    { status: (id: number) => Promise.resolve(calls.push(`status ${id}`)) } as unknown as OneBotStatusService,
  );
  beforeEach(() => calls.splice(0));

  it('refuses an API token limited to other robots on every route (403 ROBOT_NOT_ALLOWED), before any work', () => {
    const limited = token([3]);
    for (const run of [
      () => controller.get(4, limited),
      () => controller.update(4, { enabled: true }, limited),
      () => controller.status(4, limited),
    ])
      expect(run).toThrow(expect.objectContaining({ code: 'ROBOT_NOT_ALLOWED', status: 403 }) as Error);
    expect(calls).toEqual([]);
  });

  it('lets a token limited to the robot, an unlimited token and a user through', async () => {
    await controller.get(3, token([3]));
    await controller.update(3, {}, token(null));
    await controller.status(3, { id: 1, username: 'admin', isAdmin: true, sessionId: 's' });
    expect(calls).toEqual(['view 3', 'update 3', 'status 3']);
  });
});
