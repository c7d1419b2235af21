import type { ApiTokenService } from '../auth/api-token.service';
import type { AuthUser } from '../common/auth.decorators';
import type { MetricsService } from '../metrics/metrics.service';
import type { RobotService } from '../robot/robot.service';
import { decide, OneBotAuth, tokenOf } from './onebot-auth';
import { OneBotHub } from './onebot.hub';
import type { OneBotSettingsService } from './onebot-settings.service';
import { DEFAULT_SETTINGS } from './onebot.types';
import type { OneBotSettings } from './onebot.types';

const TOKEN = `ogw_${'a'.repeat(43)}`;
const tokenUser = (scopes: string[], robotIds?: number[] | null): AuthUser => ({
  id: 0,
  username: 'token:bot',
  isAdmin: false,
  sessionId: '',
  token: { id: 9, name: 'bot', scopes, robotIds },
});

describe('tokenOf', () => {
  it('takes the bearer of the Authorization header first, then ?access_token=', () => {
    expect(tokenOf({ authorization: `Bearer ${TOKEN}` }, new URLSearchParams('access_token=other'))).toBe(TOKEN);
    expect(tokenOf({ authorization: `Token ${TOKEN}` }, {})).toBe(TOKEN);
    expect(tokenOf({}, new URLSearchParams(`access_token=${TOKEN}`))).toBe(TOKEN);
    expect(tokenOf({}, { access_token: TOKEN })).toBe(TOKEN);
  });

  it('is null without either', () => {
    expect(tokenOf({}, new URLSearchParams(''))).toBeNull();
    expect(tokenOf({ authorization: 'Basic abc' }, { access_token: ['a', 'b'] })).toBeNull();
  });
});

describe('decide', () => {
  it('refuses a missing token with 401', () => {
    expect(decide(null, null, 1)).toMatchObject({ ok: false, status: 401, code: 'MISSING_TOKEN', reason: 'missing' });
  });

  it('refuses a wrong, revoked or expired token (no user), or a login JWT (no API token), with 403', () => {
    expect(decide(TOKEN, null, 1)).toMatchObject({ ok: false, status: 403, code: 'INVALID_TOKEN' });
    const user: AuthUser = { id: 1, username: 'admin', isAdmin: true, sessionId: 's' };
    expect(decide(TOKEN, user, 1)).toMatchObject({ ok: false, status: 403, code: 'INVALID_TOKEN' });
  });

  it('refuses a token without the onebot scope with 403 naming the scope', () => {
    expect(decide(TOKEN, tokenUser(['messages:send']), 1)).toMatchObject({
      ok: false,
      status: 403,
      code: 'INSUFFICIENT_SCOPE',
      params: { scope: 'onebot' },
    });
  });

  it('refuses a token limited to other robots with 403, and admits one that lists the robot or is not limited', () => {
    expect(decide(TOKEN, tokenUser(['onebot'], [2, 3]), 1)).toMatchObject({
      ok: false,
      status: 403,
      code: 'ROBOT_NOT_ALLOWED',
      params: { id: 1 },
    });
    expect(decide(TOKEN, tokenUser(['onebot'], [1]), 1)).toMatchObject({ ok: true, tokenName: 'bot' });
    expect(decide(TOKEN, tokenUser(['onebot'], null), 1)).toMatchObject({ ok: true });
    expect(decide(TOKEN, tokenUser(['onebot']), 1)).toMatchObject({ ok: true });
  });
});

describe('OneBotAuth', () => {
  const settingsOf = (s: Partial<OneBotSettings>): OneBotSettings => ({ ...DEFAULT_SETTINGS, robotId: 1, ...s });
  function make(user: AuthUser | null, settings: OneBotSettings, robots: number[] = [1]) {
    const hub = new OneBotHub();
    const refused: string[] = [];
    const auth = new OneBotAuth(
      { authenticate: () => Promise.resolve(user) } as unknown as ApiTokenService,
      hub,
      {
        findById: (id: number) => Promise.resolve(robots.includes(id) ? { id, wxid: 'wxid_r' } : null),
      } as unknown as RobotService,
      { get: () => Promise.resolve(settings) } as unknown as OneBotSettingsService,
      { onebotAuthRefused: (r: string) => refused.push(r) } as unknown as MetricsService,
    );
    return { auth, hub, refused };
  }

  it('counts every refusal in the robot status and the metric', async () => {
    const { auth, hub, refused } = make(null, settingsOf({ enabled: true }));
    expect(await auth.admit(1, 'forward-ws', null, '1.2.3.4:5', '1.2.3.4')).toMatchObject({ ok: false, status: 401 });
    expect(await auth.admit(1, 'forward-ws', TOKEN, '1.2.3.4:5', '1.2.3.4')).toMatchObject({ ok: false, status: 403 });
    expect(refused).toEqual(['missing', 'invalid']);
    expect(hub.status(1).authFailures).toBe(2);
    expect(hub.status(1).lastErrors.map((e) => e.code)).toEqual([
      'ONEBOT_AUTH_REFUSED_INVALID',
      'ONEBOT_AUTH_REFUSED_MISSING',
    ]);
    expect(hub.status(1).lastErrors[0].params).toEqual({ remote: '1.2.3.4:5' });
  });

  it('does not keep counters for robots that do not exist (only the metric counts them)', async () => {
    const { auth, hub, refused } = make(null, settingsOf({ enabled: true }));
    await auth.admit(77, 'http-api', null, 'x', null);
    expect(refused).toEqual(['missing']);
    expect(hub.status(77).authFailures).toBe(0);
  });

  it('refuses a robot that does not exist (404), OneBot off, or the forward WebSocket off (403)', async () => {
    const user = tokenUser(['onebot']);
    expect(
      await make(user, settingsOf({ enabled: true }), []).auth.admit(1, 'http-api', TOKEN, 'x', null),
    ).toMatchObject({
      ok: false,
      status: 404,
      code: 'ROBOT_NOT_FOUND',
    });
    expect(await make(user, settingsOf({ enabled: false })).auth.admit(1, 'http-api', TOKEN, 'x', null)).toMatchObject({
      ok: false,
      status: 403,
      code: 'ONEBOT_NOT_ENABLED',
      params: { id: 1, transport: 'http-api' },
    });
    const noForward = make(user, settingsOf({ enabled: true, forwardWs: false })).auth;
    expect(await noForward.admit(1, 'forward-ws', TOKEN, 'x', null)).toMatchObject({ ok: false, status: 403 });
    expect(await noForward.admit(1, 'http-api', TOKEN, 'x', null)).toMatchObject({ ok: true, tokenName: 'bot' });
  });
});
