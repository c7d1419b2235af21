import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { badRequest, conflict } from '../common/domain-error';
import { INSTANCE_ID } from '../common/instance-id';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { GeweClientManager } from '../gewe/client-manager';
import { GeweApiError, isGeweError, stateReason } from '../gewe/gewe.errors';
import type { CheckLoginResult } from '../gewe/modules/login.api';
import { RobotStatusResponseDto } from './dto/robot.dto';
import { RobotEntity } from './robot.entity';
import { parseConfig, RobotService, toStatusDto } from './robot.service';
import { ROBOT_REASONS } from './robot-reason';
import { emptyState, LOGIN_PENDING, RobotLiveState, RobotStateStore } from '../coordination/robot-state.store';

interface Poller {
  uuid: string;
  deadline: number;
  failures: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

/** Consecutive failed checkLogin calls after which a login ends in `error`. */
const MAX_POLL_FAILURES = 3;
const CAPTCHA = /验证码|captch/i;
const QR_GONE = /二维码已(失效|过期)|expired/i;

const loginLock = (robotId: number) => `login:${robotId}`;
const CALLBACK_KEY_UNKNOWN =
  'The callback key cannot be shown (sealed with another backend.secret_key): rotate it first (POST /api/robots/{robot_id}/webhook/rotate)';

/**
 * The QR login state machine: offline → awaiting_scan → scanned → online, with need_captcha, expired and error.
 * One poller per robot: calls for one robot are serialised in this process, and the `login:<id>` lock in the state
 * store (Redis with several instances) decides which instance polls.
 */
@Injectable()
export class RobotLoginService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RobotLoginService.name);
  private readonly pollers = new Map<number, Poller>();
  private readonly queues = new Map<number, Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly robots: RobotService,
    private readonly clients: GeweClientManager,
    private readonly store: RobotStateStore,
  ) {}

  private get interval(): number {
    return this.config.gewe.login_poll_interval;
  }

  private get lockTtl(): number {
    return Math.max(this.interval * 4, this.config.gewe.request_timeout + this.interval * 2);
  }

  /** Runs `fn` after every earlier call for the same robot in this process has finished. */
  private serial<T>(robotId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(robotId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(robotId, tail);
    void tail.then(() => {
      if (this.queues.get(robotId) === tail) this.queues.delete(robotId);
    });
    return run;
  }

  /**
   * Starts a QR login, or returns the one already waiting. An expired QR is replaced by a new one. An account Gewe
   * says is already logged in is simply marked online.
   */
  start(robotId: number): Promise<RobotStatusResponseDto> {
    return this.serial(robotId, async () => {
      const robot = await this.robots.entity(robotId);
      if (!robot.token) throw badRequest('TOKEN_REQUIRED', 'The robot has no Gewe token; set one with PATCH first');
      const live = await this.store.get(robotId);
      if (live && LOGIN_PENDING.includes(live.status) && !this.isExpired(live)) {
        // A login is waiting: keep its QR if someone (this or another instance) is polling it.
        const holder = await this.store.holder(loginLock(robotId));
        if (holder && (holder !== this.instanceId || this.pollers.has(robotId))) return toStatusDto(robot, live);
      }
      if (!(await this.store.acquire(loginLock(robotId), this.instanceId, this.lockTtl))) {
        // Another instance is starting or polling this login: show its QR once it has one.
        return toStatusDto(robot, await this.awaitOtherInstance(robotId, robot));
      }
      this.stopPoller(robotId);
      return this.requestQr(robot);
    });
  }

  private async awaitOtherInstance(robotId: number, robot: RobotEntity): Promise<RobotLiveState> {
    const deadline = Date.now() + this.config.gewe.request_timeout + this.interval;
    for (;;) {
      const s = await this.store.get(robotId);
      if (s && LOGIN_PENDING.includes(s.status) && !this.isExpired(s)) return s;
      if (Date.now() > deadline || !(await this.store.holder(loginLock(robotId))))
        return s ?? emptyState(robotId, robot.status as RobotLiveState['status']);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async requestQr(robot: RobotEntity): Promise<RobotStatusResponseDto> {
    const client = this.clients.forRobot(robot);
    const cfg = parseConfig(robot.config);
    let qr;
    try {
      qr = await client.login.getLoginQrCode({
        regionId: cfg.regionId as string | undefined,
        type: cfg.loginType as string | undefined,
        proxyIp: cfg.proxyIp as string | undefined,
      });
    } catch (err) {
      await this.store.release(loginLock(robot.id), this.instanceId);
      if (err instanceof GeweApiError && err.isAlreadyLoggedIn) {
        this.logger.log({ robotId: robot.id }, 'Gewe says the account is already logged in');
        await this.completeLogin(robot, null);
        return this.robots.status(robot.id);
      }
      if (isGeweError(err))
        await this.robots.applyState(robot.id, {
          status: 'error',
          reason: stateReason(err),
          qrcodeUrl: null,
          qrImageBase64: null,
        });
      throw err;
    }
    if (qr.appId && qr.appId !== robot.appId) {
      // First login: Gewe created the device; every later login must reuse this appId.
      await this.robots.assertAppIdFree(qr.appId, robot.id);
      await this.robots.saveAccount(robot.id, { appId: qr.appId });
      robot.appId = qr.appId;
      client.setAppId(qr.appId);
    }
    const now = Date.now();
    const state = await this.robots.applyState(robot.id, {
      status: 'awaiting_scan',
      reason: null,
      uuid: qr.uuid,
      qrcodeUrl: qr.qrData,
      qrImageBase64: qr.qrImgBase64,
      // Gewe tells the remaining time at the first poll; until then assume the usual QR lifetime, capped by ours.
      expiresAt: new Date(now + Math.min(240_000, this.config.gewe.login_timeout)).toISOString(),
      scannedNickname: null,
      scannedAvatarUrl: null,
      captchaCode: null,
    });
    const poller: Poller = {
      uuid: qr.uuid,
      deadline: now + this.config.gewe.login_timeout,
      failures: 0,
      stopped: false,
    };
    this.pollers.set(robot.id, poller);
    this.schedule(robot.id, poller, this.interval);
    this.logger.log({ robotId: robot.id, appId: robot.appId }, 'QR login started');
    return toStatusDto(robot, state);
  }

  /**
   * The next poll of one QR login: a chain of one-shot timers whose delay each poll chooses and which ends with the
   * login (confirmed, expired, failed), not a fixed-period loop; stopPoller() clears it.
   */
  private schedule(robotId: number, poller: Poller, delay: number): void {
    if (poller.stopped) return;
    poller.timer = setTimeout(() => void this.serial(robotId, () => this.poll(robotId, poller)), delay);
  }

  private async poll(robotId: number, poller: Poller): Promise<void> {
    if (poller.stopped) return;
    try {
      if (!(await this.store.acquire(loginLock(robotId), this.instanceId, this.lockTtl)))
        return this.stopPoller(robotId);
      const state = await this.store.get(robotId);
      if (!state || !LOGIN_PENDING.includes(state.status) || state.uuid !== poller.uuid) return this.finish(robotId);
      const robot = await this.robots.entity(robotId).catch(() => null);
      if (!robot) return this.finish(robotId);
      if (Date.now() > poller.deadline) return this.expire(robotId, 'The QR code was not confirmed in time');

      let result: CheckLoginResult;
      const sentCaptcha = state.captchaCode ?? undefined;
      try {
        result = await this.clients.forRobot(robot).login.checkLogin(poller.uuid, sentCaptcha);
        poller.failures = 0;
      } catch (err) {
        if (err instanceof GeweApiError && CAPTCHA.test(`${err.geweMsg} ${err.reason}`)) {
          await this.robots.applyState(robotId, {
            status: 'need_captcha',
            captchaCode: null,
            reason: sentCaptcha ? ROBOT_REASONS.CAPTCHA_REJECTED : ROBOT_REASONS.CAPTCHA_REQUIRED,
          });
          return this.schedule(robotId, poller, this.interval);
        }
        if (err instanceof GeweApiError && QR_GONE.test(err.reason)) return this.expire(robotId, err.reason);
        poller.failures++;
        this.logger.warn({ robotId, failures: poller.failures, error: (err as Error).message }, 'checkLogin failed');
        if (poller.failures >= MAX_POLL_FAILURES) {
          await this.robots.applyState(robotId, {
            status: 'error',
            reason: stateReason(err),
            qrcodeUrl: null,
            qrImageBase64: null,
          });
          return this.finish(robotId);
        }
        return this.schedule(robotId, poller, this.interval);
      }

      if (result.status === 2 && result.loginInfo) {
        await this.completeLogin(robot, result);
        return this.finish(robotId);
      }
      const left = typeof result.expiredTime === 'number' ? result.expiredTime : Number(result.expiredTime);
      if (!Number.isFinite(left) || left <= 0)
        return this.expire(robotId, 'The QR code expired; start the login again');
      const scanned = result.status === 1 || !!result.nickName;
      await this.robots.applyState(robotId, {
        status: scanned ? 'scanned' : 'awaiting_scan',
        reason: null,
        expiresAt: new Date(Date.now() + left * 1000).toISOString(),
        ...(scanned ? { scannedNickname: result.nickName ?? null, scannedAvatarUrl: result.headImgUrl ?? null } : {}),
        ...(sentCaptcha ? { captchaCode: null } : {}),
      });
      this.schedule(robotId, poller, this.interval);
    } catch (err) {
      this.logger.error({ robotId, err }, 'Login poll failed unexpectedly');
      this.schedule(robotId, poller, this.interval);
    }
  }

  /**
   * Online: keep the account's identity (loginInfo, then the profile for the avatar), register the callback URL
   * (free Gewechat: setCallback; paid GeWeAPI: the operator pastes it in the console), and clear the QR.
   */
  private async completeLogin(robot: RobotEntity, result: CheckLoginResult | null): Promise<void> {
    const client = this.clients.forRobot(robot);
    let wxid = result?.loginInfo?.wxid ?? robot.wxid;
    let nickname = result?.loginInfo?.nickName ?? robot.nickname;
    let avatarUrl = robot.avatarUrl;
    try {
      const p = await client.personal.getProfile();
      wxid = p.wxid ?? wxid;
      nickname = p.nickName ?? nickname;
      avatarUrl = p.bigHeadImgUrl || p.smallHeadImgUrl || avatarUrl;
    } catch (err) {
      this.logger.warn({ robotId: robot.id, error: (err as Error).message }, 'getProfile failed after login');
    }
    const callbackUrl = await this.robots.callbackUrl(robot);
    let callbackRegistered: boolean | null = null;
    let callbackError: string | null = null;
    if (!robot.isGewe && callbackUrl === null) {
      callbackRegistered = false;
      callbackError = CALLBACK_KEY_UNKNOWN;
    } else if (!robot.isGewe && callbackUrl !== null) {
      try {
        await client.login.setCallback(robot.token ?? '', callbackUrl);
        callbackRegistered = true;
      } catch (err) {
        callbackRegistered = false;
        callbackError = stateReason(err);
        this.logger.warn({ robotId: robot.id, error: (err as Error).message }, 'Registering the callback URL failed');
      }
    }
    await this.robots.saveAccount(robot.id, {
      wxid: wxid ?? null,
      nickname: nickname ?? null,
      avatarUrl: avatarUrl ?? null,
      ...(callbackRegistered ? { callbackUrl } : {}),
    });
    await this.robots.applyState(robot.id, {
      status: 'online',
      reason: null,
      uuid: null,
      qrcodeUrl: null,
      qrImageBase64: null,
      expiresAt: null,
      scannedNickname: null,
      scannedAvatarUrl: null,
      captchaCode: null,
      lastSeenAt: new Date().toISOString(),
      reconnectAttempts: 0,
      callbackRegistered,
      callbackError,
    });
    this.logger.log({ robotId: robot.id, wxid, callbackRegistered }, 'Robot logged in');
  }

  /** Registers the robot's callback URL with Gewe again (free Gewechat), e.g. after gewe.callback_url changed. */
  registerCallback(robotId: number): Promise<RobotStatusResponseDto> {
    return this.serial(robotId, async () => {
      const robot = await this.robots.entity(robotId);
      if (robot.isGewe)
        throw conflict(
          'CALLBACK_MANUAL',
          'Paid GeWeAPI takes the callback URL in its web console: paste the callbackUrl of this robot there',
        );
      const callbackUrl = await this.robots.callbackUrl(robot);
      if (callbackUrl === null) throw conflict('CALLBACK_KEY_UNKNOWN', CALLBACK_KEY_UNKNOWN, { id: robotId });
      try {
        await this.clients.forRobot(robot).login.setCallback(robot.token ?? '', callbackUrl);
      } catch (err) {
        await this.store.update(robotId, { callbackRegistered: false, callbackError: stateReason(err) });
        throw err;
      }
      await this.robots.saveAccount(robotId, { callbackUrl });
      await this.store.update(robotId, { callbackRegistered: true, callbackError: null });
      return this.robots.status(robotId);
    });
  }

  /** Stores a security code; the next checkLogin sends it. */
  submitCaptcha(robotId: number, code: string): Promise<RobotStatusResponseDto> {
    return this.serial(robotId, async () => {
      const robot = await this.robots.entity(robotId);
      const live = await this.store.get(robotId);
      if (!live || !LOGIN_PENDING.includes(live.status))
        throw conflict('NO_PENDING_LOGIN', 'No login is waiting for a security code; start one with POST …/login');
      const state = await this.store.update(robotId, { captchaCode: code, reason: ROBOT_REASONS.CAPTCHA_CHECKING });
      const poller = this.pollers.get(robotId);
      if (poller?.timer) {
        clearTimeout(poller.timer);
        this.schedule(robotId, poller, 0);
      }
      return toStatusDto(robot, state);
    });
  }

  /** Logs the account out of Gewe and stops any login in progress. */
  logout(robotId: number): Promise<RobotStatusResponseDto> {
    return this.serial(robotId, async () => {
      const robot = await this.robots.entity(robotId);
      this.stopPoller(robotId);
      if (robot.appId) await this.clients.forRobot(robot).login.logout();
      await this.store.release(loginLock(robotId), this.instanceId);
      await this.robots.applyState(robotId, {
        status: 'logged_out',
        reason: null,
        uuid: null,
        qrcodeUrl: null,
        qrImageBase64: null,
        expiresAt: null,
        captchaCode: null,
      });
      this.logger.log({ robotId }, 'Robot logged out');
      return this.robots.status(robotId);
    });
  }

  private isExpired(s: RobotLiveState): boolean {
    return !!s.expiresAt && Date.parse(s.expiresAt) <= Date.now();
  }

  private async expire(robotId: number, reason: string): Promise<void> {
    await this.robots.applyState(robotId, {
      status: 'expired',
      reason,
      qrcodeUrl: null,
      qrImageBase64: null,
      captchaCode: null,
    });
    await this.finish(robotId);
  }

  private async finish(robotId: number): Promise<void> {
    this.stopPoller(robotId);
    await this.store.release(loginLock(robotId), this.instanceId);
  }

  private stopPoller(robotId: number): void {
    const p = this.pollers.get(robotId);
    if (!p) return;
    p.stopped = true;
    if (p.timer) clearTimeout(p.timer);
    this.pollers.delete(robotId);
  }

  /** A login that was waiting when the service stopped has lost its poller: say so instead of showing a stale QR. */
  async onApplicationBootstrap(): Promise<void> {
    for (const robot of await this.robots.findByStatus([...LOGIN_PENDING])) {
      if (await this.store.holder(loginLock(robot.id))) continue; // another instance is polling it
      await this.robots.applyState(robot.id, {
        status: 'expired',
        reason: ROBOT_REASONS.LOGIN_INTERRUPTED,
        qrcodeUrl: null,
        qrImageBase64: null,
      });
    }
  }

  /** Stops every poller, waits for calls in flight, and hands the login locks back for another instance. */
  async onModuleDestroy(): Promise<void> {
    const ids = [...this.pollers.keys()];
    for (const id of ids) this.stopPoller(id);
    await Promise.allSettled([...this.queues.values()]);
    for (const id of ids) await this.store.release(loginLock(id), this.instanceId).catch(() => undefined);
  }
}
