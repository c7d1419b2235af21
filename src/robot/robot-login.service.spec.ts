import { Logger } from '@nestjs/common';
import { conflict, DomainError, notFound } from '../common/domain-error';
import { loadConfig } from '../config/app-config';
import type { GeweClientManager } from '../gewe/client-manager';
import { GeweApiError, GeweTransportError } from '../gewe/gewe.errors';
import type { CheckLoginResult, LoginQrCode, LoginQrCodeParams } from '../gewe/modules/login.api';
import type { RobotStatusResponseDto } from './dto/robot.dto';
import { RobotLoginService } from './robot-login.service';
import type { RobotEntity } from './robot.entity';
import { RobotService, toStatusDto } from './robot.service';
import { MemoryRobotStateStore } from '../coordination/memory-state.store';
import {
  emptyState,
  RobotLiveState,
  RobotStatePatch,
  RobotStateStore,
  RobotStatus,
} from '../coordination/robot-state.store';

/**
 * The QR login state machine with plain fakes: the robots table and its status, a scripted Gewe login API, the
 * in-memory state store (locks included), and Jest's clock for the poll interval, QR lifetimes and login timeout.
 */

const T0 = new Date('2026-03-01T12:00:00Z');
const INTERVAL = 1000;
const LOGIN_TIMEOUT = 300_000;

/** The robots table as RobotService shows it to the login service: rows, their status, the account fields. */
class FakeRobots implements Pick<
  RobotService,
  'entity' | 'applyState' | 'status' | 'saveAccount' | 'assertAppIdFree' | 'callbackUrl' | 'findByStatus'
> {
  readonly rows = new Map<number, RobotEntity>();
  readonly saved: Array<{ robotId: number; account: Record<string, unknown> }> = [];

  constructor(private readonly store: RobotStateStore) {}

  add(id: number, extra: Partial<RobotEntity> = {}): RobotEntity {
    const robot = {
      id,
      name: `robot ${id}`,
      appId: null,
      token: `token-${id}`,
      baseUrl: 'http://gewe.test:2531/v2/api',
      downloadUrl: null,
      callbackUrl: null,
      status: 'offline',
      isGewe: false,
      wxid: null,
      nickname: null,
      avatarUrl: null,
      config: null,
      createdAt: T0,
      updatedAt: T0,
      ...extra,
    };
    this.rows.set(id, robot);
    return robot;
  }

  entity(id: number): Promise<RobotEntity> {
    const r = this.rows.get(id);
    return r ? Promise.resolve({ ...r }) : Promise.reject(notFound('ROBOT_NOT_FOUND', `Robot ${id} does not exist`));
  }

  async applyState(robotId: number, patch: RobotStatePatch): Promise<RobotLiveState> {
    const state = await this.store.update(robotId, patch);
    if (patch.status !== undefined) this.rows.get(robotId)!.status = patch.status;
    return state;
  }

  async status(id: number): Promise<RobotStatusResponseDto> {
    const robot = await this.entity(id);
    return toStatusDto(robot, (await this.store.get(id)) ?? emptyState(id, robot.status as RobotStatus));
  }

  saveAccount(robotId: number, account: Record<string, unknown>): Promise<void> {
    this.saved.push({ robotId, account });
    const row = this.rows.get(robotId)!;
    for (const [k, v] of Object.entries(account))
      if (v !== undefined) (row as unknown as Record<string, unknown>)[k] = v;
    return Promise.resolve();
  }

  assertAppIdFree(appId: string, exceptId?: number): Promise<void> {
    const other = [...this.rows.values()].find((r) => r.appId === appId && r.id !== exceptId);
    return other
      ? Promise.reject(conflict('APP_ID_TAKEN', `appId "${appId}" already belongs to robot ${other.id}`))
      : Promise.resolve();
  }

  callbackUrl(robot: Pick<RobotEntity, 'token'>): Promise<string | null> {
    return Promise.resolve(`http://service.test/webhook?key=k-${robot.token}`);
  }

  findByStatus(statuses: RobotStatus[]): Promise<RobotEntity[]> {
    return Promise.resolve([...this.rows.values()].filter((r) => statuses.includes(r.status as RobotStatus)));
  }
}

type Answer<T> = T | Error | Promise<T>;

/** Gewe's login endpoints, scripted: each call takes the next answer given (or a default), and is logged. */
class FakeGewe {
  readonly calls: string[] = [];
  /** Answers of the next getLoginQrCode calls; by default a new QR (and, for a new device, a new appId). */
  readonly qrAnswers: Array<Answer<Partial<LoginQrCode>>> = [];
  /** Answers of the next checkLogin calls; by default "waiting for the scan, 200 s left". */
  readonly checkAnswers: Array<Answer<CheckLoginResult>> = [];
  setCallbackError: Error | null = null;
  private qrs = 0;

  manager(): GeweClientManager {
    return { forRobot: (robot: RobotEntity) => this.client(robot) } as unknown as GeweClientManager;
  }

  private client(robot: RobotEntity) {
    let appId = robot.appId ?? '';
    const log = (call: string) => this.calls.push(`${robot.id} ${call}`);
    const answer = <T>(a: Answer<T> | undefined, fallback: () => T): Promise<T> =>
      a instanceof Error ? Promise.reject(a) : Promise.resolve(a ?? fallback());
    return {
      setAppId: (id: string) => (appId = id),
      login: {
        getLoginQrCode: async (params: LoginQrCodeParams) => {
          log(`getLoginQrCode ${JSON.stringify(params)}`);
          const n = ++this.qrs;
          const qr = await answer(this.qrAnswers.shift(), () => ({}));
          return {
            appId: appId || `wx_device_${robot.id}`,
            uuid: `uuid-${n}`,
            qrData: `http://weixin.qq.com/x/uuid-${n}`,
            qrImgBase64: `data:image/jpeg;base64,QR${n}`,
            ...qr,
          };
        },
        checkLogin: (uuid: string, captchCode?: string) => {
          log(`checkLogin ${uuid}${captchCode ? ` ${captchCode}` : ''} appId=${appId}`);
          return answer(this.checkAnswers.shift(), () => ({ uuid, status: 0, expiredTime: 200 }));
        },
        setCallback: (token: string, url: string) => {
          log(`setCallback ${token} ${url}`);
          return this.setCallbackError ? Promise.reject(this.setCallbackError) : Promise.resolve(null);
        },
        logout: () => {
          log('logout');
          return Promise.resolve(null);
        },
      },
      personal: {
        getProfile: () => {
          log('getProfile');
          return Promise.resolve({
            wxid: 'wxid_robot',
            nickName: 'Robot Profile',
            bigHeadImgUrl: 'http://img.test/big.jpg',
            smallHeadImgUrl: '',
          });
        },
      },
    };
  }

  of(call: string): string[] {
    return this.calls.filter((c) => c.split(' ')[1] === call);
  }
}

/** Lets every promise chain run until `cond` holds; no time passes. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** A few turns of the event loop: long enough for anything that was going to start to have started. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const config = loadConfig({
  path: null,
  env: {},
  overrides: {
    backend: { secret_key: 'unit-secret-key-0123456789abcdefghijklmnopqrstuvwxyz' },
    gewe: { login_poll_interval: `${INTERVAL}ms`, login_timeout: `${LOGIN_TIMEOUT}ms`, request_timeout: '15s' },
  },
}).config;

function setup() {
  const store = new MemoryRobotStateStore();
  const robots = new FakeRobots(store);
  const gewe = new FakeGewe();
  const services: RobotLoginService[] = [];
  /** One instance of the service over the shared table, Gewe and state store (Redis with several instances). */
  const instance = (id: string) => {
    const s = new RobotLoginService(config, id, robots as unknown as RobotService, gewe.manager(), store);
    services.push(s);
    return s;
  };
  const login = instance('instance-a');
  const state = async (id = 1) => (await store.get(id))!;
  /** One poll interval of fake time, then until the poll it started has answered and been applied. */
  const poll = async (expectCalls: number) => {
    await jest.advanceTimersByTimeAsync(INTERVAL);
    await until(() => gewe.of('checkLogin').length >= expectCalls, `checkLogin call ${expectCalls}`);
    await quiet();
  };
  return { store, robots, gewe, login, instance, state, poll, services };
}

let current: ReturnType<typeof setup> | undefined;
function world() {
  current = setup();
  return current;
}

async function refused(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return { code: err.code, status: err.status };
}

describe('RobotLoginService', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    for (const level of ['log', 'warn', 'error'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(async () => {
    for (const s of current?.services ?? []) await s.onModuleDestroy();
    current = undefined;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('start', () => {
    it('asks Gewe for a QR code with the robot’s login options, shows it, and takes the login lock', async () => {
      const { robots, gewe, login, state, store } = world();
      robots.add(1, { config: JSON.stringify({ regionId: '320000', loginType: 'ipad', proxyIp: 'socks5://p:1' }) });
      const dto = await login.start(1);
      expect(gewe.calls).toEqual(['1 getLoginQrCode {"regionId":"320000","type":"ipad","proxyIp":"socks5://p:1"}']);
      expect(dto).toMatchObject({
        robotId: 1,
        status: 'awaiting_scan',
        qrcodeUrl: 'http://weixin.qq.com/x/uuid-1',
        qrImageBase64: 'data:image/jpeg;base64,QR1',
        // until the first poll tells the QR's lifetime: Gewe's usual 240 s, capped by login_timeout
        expiresAt: new Date(T0.getTime() + 240_000).toISOString(),
        appId: 'wx_device_1',
      });
      expect(await state()).toMatchObject({ status: 'awaiting_scan', uuid: 'uuid-1', reason: null });
      expect(robots.rows.get(1)!.status).toBe('awaiting_scan');
      expect(await store.holder('login:1')).toBe('instance-a');
    });

    it('keeps the device Gewe created at the first login: the appId is saved and used by every later call', async () => {
      const { robots, gewe, login, poll } = world();
      robots.add(1);
      await login.start(1);
      expect(robots.saved).toEqual([{ robotId: 1, account: { appId: 'wx_device_1' } }]);
      expect(robots.rows.get(1)!.appId).toBe('wx_device_1');
      await poll(1);
      expect(gewe.of('checkLogin')).toEqual(['1 checkLogin uuid-1 appId=wx_device_1']);
    });

    it('refuses an appId Gewe hands out that another robot already has', async () => {
      const { robots, gewe, login } = world();
      robots.add(1);
      robots.add(2, { appId: 'wx_taken' });
      gewe.qrAnswers.push({ appId: 'wx_taken' });
      expect(await refused(login.start(1))).toEqual({ code: 'APP_ID_TAKEN', status: 409 });
      expect(robots.rows.get(1)!.appId).toBeNull();
    });

    it('needs a Gewe token, and asks Gewe nothing without one', async () => {
      const { robots, gewe, login } = world();
      robots.add(1, { token: null });
      expect(await refused(login.start(1))).toEqual({ code: 'TOKEN_REQUIRED', status: 400 });
      expect(await refused(login.start(99))).toEqual({ code: 'ROBOT_NOT_FOUND', status: 404 });
      expect(gewe.calls).toEqual([]);
    });

    it('returns the QR already waiting instead of asking for another', async () => {
      const { robots, gewe, login, poll } = world();
      robots.add(1);
      const first = await login.start(1);
      await poll(1);
      const again = await login.start(1);
      expect(again.qrcodeUrl).toBe(first.qrcodeUrl);
      expect(gewe.of('getLoginQrCode')).toHaveLength(1);
    });

    it('marks an account Gewe says is already logged in online, without a QR', async () => {
      const { robots, gewe, login, store } = world();
      robots.add(1, { appId: 'wx_1' });
      gewe.qrAnswers.push(new GeweApiError('/login/getLoginQrCode', 500, '已登录', '该账号已登录'));
      const dto = await login.start(1);
      expect(dto).toMatchObject({ status: 'online', qrcodeUrl: null, wxid: 'wxid_robot', callbackRegistered: true });
      expect(await store.holder('login:1')).toBeNull();
    });

    it('a Gewe failure while asking for the QR shows error, is thrown, and frees the lock for the next try', async () => {
      const { robots, gewe, login, state, store } = world();
      robots.add(1);
      gewe.qrAnswers.push(new GeweTransportError('/login/getLoginQrCode', 'unreachable', 'connect ECONNREFUSED'));
      expect((await refused(login.start(1))).code).toBe('GEWE_UNREACHABLE');
      // the state says what everyone may read, not the transport detail
      expect(await state()).toMatchObject({
        status: 'error',
        reason: 'Gewe /login/getLoginQrCode: Gewe cannot be reached',
        qrcodeUrl: null,
      });
      expect(await store.holder('login:1')).toBeNull();
      expect((await login.start(1)).status).toBe('awaiting_scan');
    });
  });

  describe('polling', () => {
    it('follows the QR from waiting to scanned to confirmed, then registers the callback and stops', async () => {
      const { robots, gewe, login, state, poll, store } = world();
      robots.add(1);
      await login.start(1);

      gewe.checkAnswers.push({ status: 0, expiredTime: 180 });
      await poll(1);
      expect(await state()).toMatchObject({
        status: 'awaiting_scan',
        expiresAt: new Date(Date.now() + 180_000).toISOString(),
      });

      gewe.checkAnswers.push({ status: 1, expiredTime: 170, nickName: 'Alice', headImgUrl: 'http://img.test/a.jpg' });
      await poll(2);
      expect(await state()).toMatchObject({
        status: 'scanned',
        scannedNickname: 'Alice',
        scannedAvatarUrl: 'http://img.test/a.jpg',
      });

      gewe.checkAnswers.push({ status: 2, loginInfo: { wxid: 'wxid_login', nickName: 'Login Name' } });
      await poll(3);
      expect(await state()).toMatchObject({
        status: 'online',
        reason: null,
        uuid: null,
        qrcodeUrl: null,
        qrImageBase64: null,
        expiresAt: null,
        scannedNickname: null,
        lastSeenAt: new Date(Date.now()).toISOString(),
        callbackRegistered: true,
        callbackError: null,
      });
      expect(gewe.calls.slice(-2)).toEqual([
        '1 getProfile',
        '1 setCallback token-1 http://service.test/webhook?key=k-token-1',
      ]);
      // the profile wins over loginInfo; the callback URL is kept once Gewe took it
      expect(robots.saved.at(-1)).toEqual({
        robotId: 1,
        account: {
          wxid: 'wxid_robot',
          nickname: 'Robot Profile',
          avatarUrl: 'http://img.test/big.jpg',
          callbackUrl: 'http://service.test/webhook?key=k-token-1',
        },
      });
      expect(robots.rows.get(1)!.status).toBe('online');
      expect(await store.holder('login:1')).toBeNull();

      await jest.advanceTimersByTimeAsync(10 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(3);
    });

    it('paid GeWeAPI: online without registering the callback (the operator pastes it in their console)', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1, { isGewe: true });
      await login.start(1);
      gewe.checkAnswers.push({ status: 2, loginInfo: { wxid: 'wxid_login' } });
      await poll(1);
      expect(await state()).toMatchObject({ status: 'online', callbackRegistered: null });
      expect(gewe.of('setCallback')).toEqual([]);
      expect(robots.saved.at(-1)!.account).not.toHaveProperty('callbackUrl');
    });

    it('online even when registering the callback fails, saying so', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1);
      gewe.setCallbackError = new GeweApiError('/tools/setCallback', 500, '回调地址不可达', '回调地址不可达');
      await login.start(1);
      gewe.checkAnswers.push({ status: 2, loginInfo: { wxid: 'wxid_login' } });
      await poll(1);
      expect(await state()).toMatchObject({
        status: 'online',
        callbackRegistered: false,
        callbackError: 'Gewe /tools/setCallback failed (ret 500): 回调地址不可达',
      });
      expect(robots.saved.at(-1)!.account).not.toHaveProperty('callbackUrl');
    });
  });

  describe('a QR that expires mid-poll', () => {
    it('ends as expired with the QR cleared when Gewe says no time is left; a new start gets a new QR', async () => {
      const { robots, gewe, login, state, poll, store } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push({ status: 1, expiredTime: 5, nickName: 'Alice' });
      await poll(1);
      gewe.checkAnswers.push({ status: 0, expiredTime: 0 });
      await poll(2);
      expect(await state()).toMatchObject({
        status: 'expired',
        reason: 'The QR code expired; start the login again',
        qrcodeUrl: null,
        qrImageBase64: null,
      });
      expect(await store.holder('login:1')).toBeNull();
      await jest.advanceTimersByTimeAsync(5 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(2); // the poller stopped

      const again = await login.start(1);
      expect(again).toMatchObject({ status: 'awaiting_scan', qrcodeUrl: 'http://weixin.qq.com/x/uuid-2' });
      await poll(3);
      expect(gewe.of('checkLogin').at(-1)).toBe('1 checkLogin uuid-2 appId=wx_device_1');
    });

    it('ends as expired, with Gewe’s reason, when checkLogin answers that the QR is gone', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push(new GeweApiError('/login/checkLogin', 500, '二维码已过期', '二维码已过期'));
      await poll(1);
      expect(await state()).toMatchObject({ status: 'expired', reason: '二维码已过期', qrcodeUrl: null });
    });

    it('ends as expired when the login is not confirmed within login_timeout, whatever Gewe says', async () => {
      const { robots, gewe, login, state } = world();
      robots.add(1);
      await login.start(1);
      // scanned, never confirmed; Gewe keeps extending the QR
      for (let i = 0; i < 400; i++) gewe.checkAnswers.push({ status: 1, expiredTime: 200, nickName: 'Alice' });
      await jest.advanceTimersByTimeAsync(LOGIN_TIMEOUT - 1);
      expect((await state()).status).toBe('scanned');
      await jest.advanceTimersByTimeAsync(2 * INTERVAL);
      await until(async () => (await state()).status === 'expired', 'the login expired');
      expect(await state()).toMatchObject({ reason: 'The QR code was not confirmed in time', qrcodeUrl: null });
    });

    it('a start after the QR’s time ran out replaces it with a new one, and the old one is polled no more', async () => {
      const { robots, gewe, login, poll } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push({ status: 0, expiredTime: 2 });
      await poll(1);
      jest.setSystemTime(Date.now() + 2000); // its expiresAt passes before the next poll has run
      const again = await login.start(1);
      expect(again.qrcodeUrl).toBe('http://weixin.qq.com/x/uuid-2');
      await jest.advanceTimersByTimeAsync(3 * INTERVAL);
      await quiet();
      const later = gewe.of('checkLogin').slice(1);
      expect(later.length).toBeGreaterThan(0);
      expect(new Set(later)).toEqual(new Set(['1 checkLogin uuid-2 appId=wx_device_1']));
    });
  });

  describe('security code', () => {
    it('asks for the code Gewe wants, sends it with the next check at once, and clears it once accepted', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push(new GeweApiError('/login/checkLogin', 500, '请输入验证码', '请输入验证码'));
      await poll(1);
      expect(await state()).toMatchObject({
        status: 'need_captcha',
        reason: 'Gewe asks for the security code shown on the phone',
        qrcodeUrl: 'http://weixin.qq.com/x/uuid-1', // the QR stays: the phone still shows the login
      });

      gewe.checkAnswers.push({ status: 1, expiredTime: 150, nickName: 'Alice' });
      const dto = await login.submitCaptcha(1, '123456');
      expect(dto.reason).toBe('Security code received; checking');
      // no wait for the interval: the poll runs now
      await jest.advanceTimersByTimeAsync(0);
      await until(() => gewe.of('checkLogin').length === 2, 'the check with the code');
      expect(gewe.of('checkLogin')[1]).toBe('1 checkLogin uuid-1 123456 appId=wx_device_1');
      await quiet();
      expect(await state()).toMatchObject({ status: 'scanned', captchaCode: null, reason: null });
      await poll(3);
      expect(gewe.of('checkLogin')[2]).toBe('1 checkLogin uuid-1 appId=wx_device_1');
    });

    it('says a wrong code was not accepted and asks again', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push(new GeweApiError('/login/checkLogin', 500, '请输入验证码', '请输入验证码'));
      await poll(1);
      gewe.checkAnswers.push(new GeweApiError('/login/checkLogin', 500, '验证码错误', '验证码错误'));
      await login.submitCaptcha(1, '000000');
      await jest.advanceTimersByTimeAsync(0);
      await until(() => gewe.of('checkLogin').length === 2, 'the check with the code');
      await quiet();
      expect(await state()).toMatchObject({
        status: 'need_captcha',
        captchaCode: null,
        reason: 'The security code was not accepted; enter the new one',
      });
    });

    it('refuses a code when no login is waiting', async () => {
      const { robots, login } = world();
      robots.add(1);
      expect(await refused(login.submitCaptcha(1, '123456'))).toEqual({ code: 'NO_PENDING_LOGIN', status: 409 });
    });
  });

  describe('Gewe failing mid-poll', () => {
    const timeout = () =>
      new GeweTransportError('/login/checkLogin', 'timeout', 'no answer after 15000 ms from 10.0.0.9');

    it('keeps polling through fewer than three failures in a row', async () => {
      const { robots, gewe, login, state, poll } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push(timeout(), timeout(), { status: 0, expiredTime: 100 }, timeout(), timeout());
      for (let n = 1; n <= 5; n++) await poll(n);
      expect((await state()).status).toBe('awaiting_scan');
      gewe.checkAnswers.push({ status: 2, loginInfo: { wxid: 'wxid_login' } });
      await poll(6);
      expect((await state()).status).toBe('online');
    });

    it('ends in error after three failures in a row, saying what anyone may read, and stops', async () => {
      const { robots, gewe, login, state, poll, store } = world();
      robots.add(1);
      await login.start(1);
      gewe.checkAnswers.push(timeout(), timeout(), timeout());
      for (let n = 1; n <= 3; n++) await poll(n);
      expect(await state()).toMatchObject({
        status: 'error',
        reason: 'Gewe /login/checkLogin: Gewe did not answer in time',
        qrcodeUrl: null,
        qrImageBase64: null,
      });
      expect(JSON.stringify(await state())).not.toContain('10.0.0.9');
      expect(await store.holder('login:1')).toBeNull();
      await jest.advanceTimersByTimeAsync(5 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(3);
    });

    it('a robot deleted while its login waits ends the poller quietly', async () => {
      const { robots, gewe, login, poll, store } = world();
      robots.add(1);
      await login.start(1);
      await poll(1);
      robots.rows.delete(1);
      await jest.advanceTimersByTimeAsync(3 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(1);
      expect(await store.holder('login:1')).toBeNull();
    });
  });

  describe('concurrent starts', () => {
    it('two starts for one robot at once ask Gewe for one QR, show it to both, and poll it once', async () => {
      const { robots, gewe, login, poll } = world();
      robots.add(1);
      const qr = deferred<Partial<LoginQrCode>>();
      gewe.qrAnswers.push(qr.promise);
      const both = Promise.all([login.start(1), login.start(1)]);
      await until(() => gewe.of('getLoginQrCode').length === 1, 'the QR asked for');
      qr.resolve({});
      const [a, b] = await both;
      expect(a.qrcodeUrl).toBe('http://weixin.qq.com/x/uuid-1');
      expect(b.qrcodeUrl).toBe(a.qrcodeUrl);
      expect(gewe.of('getLoginQrCode')).toHaveLength(1);
      await poll(1);
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(2); // one poller: one check per interval
    });

    it('another instance shows the QR this one is polling, without asking Gewe or polling it itself', async () => {
      const { robots, gewe, login, instance, poll } = world();
      robots.add(1);
      const other = instance('instance-b');
      const mine = await login.start(1);
      const theirs = await other.start(1);
      expect(theirs.qrcodeUrl).toBe(mine.qrcodeUrl);
      expect(gewe.of('getLoginQrCode')).toHaveLength(1);
      await poll(1);
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(2);
    });

    it('another instance starting while this one is still asking Gewe waits for that QR', async () => {
      const { robots, gewe, login, instance } = world();
      robots.add(1);
      const other = instance('instance-b');
      const qr = deferred<Partial<LoginQrCode>>();
      gewe.qrAnswers.push(qr.promise);
      const mine = login.start(1);
      await until(() => gewe.of('getLoginQrCode').length === 1, 'the QR asked for');
      let answered = false;
      const theirs = other.start(1).then((dto) => ((answered = true), dto));
      await jest.advanceTimersByTimeAsync(200);
      expect(answered).toBe(false);
      qr.resolve({});
      await mine;
      await jest.advanceTimersByTimeAsync(100);
      expect((await theirs).qrcodeUrl).toBe('http://weixin.qq.com/x/uuid-1');
      expect(gewe.of('getLoginQrCode')).toHaveLength(1);
    });
  });

  describe('logout', () => {
    it('stops the login in progress, logs the account out of Gewe, clears the QR and frees the lock', async () => {
      const { robots, gewe, login, state, poll, store } = world();
      robots.add(1);
      await login.start(1);
      await poll(1);
      const dto = await login.logout(1);
      expect(dto).toMatchObject({ status: 'logged_out', qrcodeUrl: null, expiresAt: null });
      expect(await state()).toMatchObject({ status: 'logged_out', uuid: null, captchaCode: null });
      expect(gewe.of('logout')).toEqual(['1 logout']);
      expect(await store.holder('login:1')).toBeNull();
      await jest.advanceTimersByTimeAsync(5 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(1);
    });

    it('a robot that never had a device is logged out without asking Gewe', async () => {
      const { robots, gewe, login } = world();
      robots.add(1);
      expect((await login.logout(1)).status).toBe('logged_out');
      expect(gewe.calls).toEqual([]);
    });

    it('waits for a poll in flight: a login confirmed just before the logout still ends logged out', async () => {
      const { robots, gewe, login, state } = world();
      robots.add(1);
      await login.start(1);
      const answer = deferred<CheckLoginResult>();
      gewe.checkAnswers.push(answer.promise);
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await until(() => gewe.of('checkLogin').length === 1, 'the poll in flight');
      const out = login.logout(1);
      answer.resolve({ status: 2, loginInfo: { wxid: 'wxid_login' } });
      expect((await out).status).toBe('logged_out');
      expect(gewe.calls.slice(-1)).toEqual(['1 logout']);
      expect((await state()).status).toBe('logged_out');
    });
  });

  describe('restart and shutdown', () => {
    it('at start-up, a login left waiting by a stopped process is shown expired — unless an instance polls it', async () => {
      const { robots, login, store, state } = world();
      robots.add(1, { status: 'scanned' });
      robots.add(2, { status: 'awaiting_scan' });
      robots.add(3, { status: 'online' });
      await store.update(1, { status: 'scanned', qrcodeUrl: 'http://weixin.qq.com/x/old' });
      await store.acquire('login:2', 'instance-b', 60_000);
      await login.onApplicationBootstrap();
      expect(await state(1)).toMatchObject({
        status: 'expired',
        reason: 'The login was interrupted by a restart; start it again',
        qrcodeUrl: null,
      });
      expect(robots.rows.get(2)!.status).toBe('awaiting_scan');
      expect(robots.rows.get(3)!.status).toBe('online');
    });

    it('on shutdown stops every poller and hands the login locks back for another instance', async () => {
      const { robots, gewe, login, poll, store, instance } = world();
      robots.add(1);
      robots.add(2);
      await login.start(1);
      await login.start(2);
      await poll(2);
      await login.onModuleDestroy();
      expect(await store.holder('login:1')).toBeNull();
      expect(await store.holder('login:2')).toBeNull();
      await jest.advanceTimersByTimeAsync(5 * INTERVAL);
      await quiet();
      expect(gewe.of('checkLogin')).toHaveLength(2);
      // another instance can take the login over
      const next = instance('instance-b');
      expect((await next.start(1)).status).toBe('awaiting_scan');
      expect(await store.holder('login:1')).toBe('instance-b');
    });
  });

  describe('registerCallback', () => {
    it('registers the callback URL with free Gewechat again, and records the outcome either way', async () => {
      const { robots, gewe, login, state } = world();
      robots.add(1, { appId: 'wx_1', status: 'online' });
      expect(await login.registerCallback(1)).toMatchObject({ callbackRegistered: true, callbackError: null });
      expect(robots.rows.get(1)!.callbackUrl).toBe('http://service.test/webhook?key=k-token-1');

      gewe.setCallbackError = new GeweTransportError('/tools/setCallback', 'unreachable', 'ECONNREFUSED 10.0.0.9');
      expect((await refused(login.registerCallback(1))).code).toBe('GEWE_UNREACHABLE');
      expect(await state()).toMatchObject({
        callbackRegistered: false,
        callbackError: 'Gewe /tools/setCallback: Gewe cannot be reached',
      });
    });

    it('refuses for paid GeWeAPI, whose callback URL is set in its own console', async () => {
      const { robots, gewe, login } = world();
      robots.add(1, { isGewe: true });
      expect(await refused(login.registerCallback(1))).toEqual({ code: 'CALLBACK_MANUAL', status: 409 });
      expect(gewe.calls).toEqual([]);
    });
  });
});
