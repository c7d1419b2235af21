import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../common/domain-error';
import { Page } from '../common/dto/pagination.dto';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { GeweClientManager } from '../gewe/client-manager';
import { gewechatDownloadUrl, sameOrigin } from '../gewe/base-url';
import { GeweApiError, GeweTransportError } from '../gewe/gewe.errors';
import { RuntimeSettingsService } from '../settings/runtime-settings.service';
import { CallbackKeys, KeyedRobot } from './callback-keys';
import {
  CALLBACK_URL_WARNINGS,
  callbackUrlWarning,
  GuessedWebhookBase,
  guessWebhookBase,
  HostNetwork,
  withKey,
} from './callback-url';
import {
  RobotCreateDto,
  RobotListQueryDto,
  RobotResponseDto,
  RobotStatusResponseDto,
  RobotUpdateDto,
} from './dto/robot.dto';
import { RobotEntity } from './robot.entity';
import { RobotHotCache } from './robot-hot-cache';
import { reasonMessage } from './robot-reason';
import {
  emptyState,
  ROBOT_STATUSES,
  RobotLiveState,
  RobotStatePatch,
  RobotStateStore,
  RobotStatus,
} from '../coordination/robot-state.store';

/** How long the callback hot path may use a robot it read (see RobotService.hot). */
const HOT_TTL_MS = 1000;
const HOT_MAX = 10_000;
/** Robots per statement when the hot cache reads its robots again (well under SQLite's and MySQL's parameter caps). */
const HOT_CHUNK = 500;
/** lastCallbackAt is written at most this often per robot. */
const NOTE_EVERY_MS = 1000;

/** What a caller may see of a robot: `callbackKey` only for those who may change robots (it opens the webhook). */
export interface RobotView {
  callbackKey: boolean;
  /** The robots a list shows (an API token limited to them); absent or null: every robot. */
  robotIds?: readonly number[] | null;
}
const FULL_VIEW: RobotView = { callbackKey: true };

/** Robots: the table, their callback URLs, and the one place their status changes (live store + database). */
@Injectable()
export class RobotService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RobotService.name);
  /**
   * Robots found by the callback hot path (webhook by appId, processor by id), kept for HOT_TTL_MS and then read again
   * together (robot-hot-cache.ts): every callback needs its robot, and a database round trip per lookup was a fifth
   * of the webhook's CPU. Any write through this service clears it at once; other instances see a change within
   * HOT_TTL_MS.
   */
  private readonly hot: RobotHotCache<RobotEntity>;
  /** When each robot's lastCallbackAt was last written (at most once per NOTE_EVERY_MS). */
  private readonly noted = new Map<number, number>();
  private writes = 0;
  private readonly removedListeners = new Set<(robotId: number) => void>();

  constructor(
    @InjectRepository(RobotEntity) private readonly robots: Repository<RobotEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: RuntimeSettingsService,
    private readonly clients: GeweClientManager,
    private readonly store: RobotStateStore,
    private readonly audit: AuditTrail,
    private readonly keys: CallbackKeys,
    private readonly host: HostNetwork,
  ) {
    this.hot = new RobotHotCache(
      {
        byId: (id) => this.robots.findOne({ where: { id } }),
        byAppId: (appId) => this.robots.findOne({ where: { appId } }),
        byIds: (ids) => this.robots.find({ where: { id: In(ids) } }),
      },
      { ttlMs: HOT_TTL_MS, max: HOT_MAX, chunk: HOT_CHUNK },
    );
  }

  /** Says at start-up when robots would be given a container's private address as their callback URL. */
  onApplicationBootstrap(): void {
    const guess = this.guessedBase();
    if (guess?.containerAddress)
      this.logger.warn(
        { code: 'CALLBACK_URL_CONTAINER_ADDRESS', callbackUrl: guess.url },
        `gewe.callback_url is not set and the guessed callback URL ${guess.url} is this container's private address: Gewe outside the container network cannot reach it. Set gewe.callback_url (OPENGEWE_CALLBACK_URL with docker compose) to the service's public URL.`,
      );
  }

  /** How many robots there are, and how many of them are online (for the system status). */
  async counts(): Promise<{ total: number; online: number }> {
    const [total, online] = await Promise.all([
      this.robots.count(),
      this.robots.count({ where: { status: 'online' } }),
    ]);
    return { total, online };
  }

  async list(q: RobotListQueryDto, view: RobotView = FULL_VIEW): Promise<Page<RobotResponseDto>> {
    const qb = this.robots
      .createQueryBuilder('r')
      .orderBy('r.id', 'ASC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
    if (view.robotIds) qb.andWhere('r.id IN (:...reachable)', { reachable: [...view.robotIds, 0] });
    if (q.status) qb.andWhere('r.status = :status', { status: q.status });
    const term = q.search?.trim();
    if (term)
      qb.andWhere(
        "(r.name LIKE :t ESCAPE '!' OR r.app_id LIKE :t ESCAPE '!' OR r.wxid LIKE :t ESCAPE '!' OR r.nickname LIKE :t ESCAPE '!')",
        { t: `%${term.replace(/[!%_]/g, (c) => '!' + c)}%` },
      );
    const [rows, total] = await qb.getManyAndCount();
    const keys = view.callbackKey ? await this.keys.keysOf(rows) : new Map<number, string | null>();
    const reasons = await Promise.all(rows.map((r) => this.statusReason(r)));
    return {
      items: rows.map((r, i) => this.toResponse(r, view, keys.get(r.id) ?? null, reasons[i] ?? null)),
      total,
      page: q.page,
      limit: q.limit,
    };
  }

  async get(id: number, view: RobotView = FULL_VIEW): Promise<RobotResponseDto> {
    return this.respond(await this.entity(id), view);
  }

  async entity(id: number): Promise<RobotEntity> {
    const robot = await this.robots.findOne({ where: { id } });
    if (!robot) throw notFound('ROBOT_NOT_FOUND', `Robot ${id} does not exist`, { id });
    return robot;
  }

  async create(dto: RobotCreateDto, verify: boolean, actor: string): Promise<RobotResponseDto> {
    const baseUrl = dto.baseUrl ?? (this.settings.get('gewe.base_url') as string);
    const token = dto.token ?? ((this.settings.get('gewe.token') as string) || null);
    const isGewe = dto.isGewe ?? (this.settings.get('gewe.is_gewe') as boolean);
    if (!token) throw badRequest('TOKEN_REQUIRED', 'token must be given (or set the gewe.token setting)');
    // the gewe.token setting was saved for gewe.base_url: it goes nowhere else
    if (dto.token === undefined && !sameOrigin(baseUrl, this.settings.get('gewe.base_url') as string))
      throw tokenForNewHost();
    if (dto.appId) await this.assertAppIdFree(dto.appId);
    if (verify) await this.verifyToken(baseUrl, token, isGewe);
    const downloadUrl = dto.downloadUrl ?? this.defaultDownloadUrl(baseUrl, isGewe);
    const saved = await this.robots
      .save(
        this.robots.create({
          name: dto.name,
          baseUrl,
          token,
          appId: dto.appId ?? null,
          downloadUrl: downloadUrl || null,
          callbackUrl: null,
          isGewe,
          status: 'offline',
          config: dto.config ? JSON.stringify(dto.config) : null,
          wxid: null,
          nickname: null,
          avatarUrl: null,
        }),
      )
      .catch((err) => this.rethrowUnique(err));
    this.changed();
    const sameToken = (await this.findByToken(token)).map((r) => r.id).filter((id) => id !== saved.id);
    await this.keys.issue(saved, sameToken);
    this.logger.log({ actor, robotId: saved.id, name: saved.name, baseUrl, verified: verify }, 'Robot created');
    return this.respond(saved);
  }

  async update(id: number, dto: RobotUpdateDto, verify: boolean, actor: string): Promise<RobotResponseDto> {
    const robot = await this.entity(id);
    const connectionChanged =
      (dto.baseUrl !== undefined && dto.baseUrl !== robot.baseUrl) ||
      (dto.token !== undefined && dto.token !== robot.token) ||
      (dto.isGewe !== undefined && dto.isGewe !== robot.isGewe);
    // the stored token was saved for the stored host: sending it (probe or any later call) to another one needs it again
    if (dto.baseUrl !== undefined && dto.token === undefined && robot.token && !sameOrigin(dto.baseUrl, robot.baseUrl))
      throw tokenForNewHost();
    if (dto.appId !== undefined && dto.appId !== robot.appId) {
      if (['online', 'reconnecting', 'awaiting_scan', 'scanned', 'need_captcha'].includes(robot.status))
        throw conflict('ROBOT_BUSY', 'appId can only change while the robot is logged out; log it out first');
      if (dto.appId) await this.assertAppIdFree(dto.appId, id);
    }
    if (connectionChanged && verify)
      await this.verifyToken(dto.baseUrl ?? robot.baseUrl, dto.token ?? robot.token ?? '', dto.isGewe ?? robot.isGewe);
    // a download URL that was the default for the old endpoint follows the endpoint; one chosen by hand stays
    let downloadUrl = dto.downloadUrl;
    if (
      downloadUrl === undefined &&
      (dto.baseUrl !== undefined || dto.isGewe !== undefined) &&
      robot.downloadUrl === this.defaultDownloadUrl(robot.baseUrl, robot.isGewe)
    )
      downloadUrl = this.defaultDownloadUrl(dto.baseUrl ?? robot.baseUrl, dto.isGewe ?? robot.isGewe);
    Object.assign(robot, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.baseUrl !== undefined ? { baseUrl: dto.baseUrl } : {}),
      ...(dto.token !== undefined ? { token: dto.token } : {}),
      ...(dto.appId !== undefined ? { appId: dto.appId } : {}),
      ...(downloadUrl !== undefined ? { downloadUrl: downloadUrl || null } : {}),
      ...(dto.isGewe !== undefined ? { isGewe: dto.isGewe } : {}),
      ...(dto.config !== undefined ? { config: JSON.stringify(dto.config) } : {}),
    });
    const saved = await this.robots.save(robot).catch((err) => this.rethrowUnique(err));
    this.changed();
    if (connectionChanged) this.clients.forget(id);
    this.logger.log({ actor, robotId: id, fields: Object.keys(dto), connectionChanged }, 'Robot updated');
    return this.respond(saved);
  }

  /**
   * The download URL a robot gets when none is given: the `gewe.download_url` setting for a robot on the
   * `gewe.base_url` setting's origin (the setting belongs to that Gewe), else — for a self-hosted Gewechat with the
   * container's usual layout — its files port (`http://host:2531/v2/api` → `http://host:2532/download`), else none.
   */
  defaultDownloadUrl(baseUrl: string, isGewe: boolean): string | null {
    const setting = (this.settings.get('gewe.download_url') as string) || null;
    if (setting && sameOrigin(baseUrl, this.settings.get('gewe.base_url') as string)) return setting;
    return isGewe ? null : gewechatDownloadUrl(baseUrl);
  }

  async remove(id: number, actor: string): Promise<void> {
    const robot = await this.entity(id);
    this.audit.note({ name: robot.name, appId: robot.appId, wxid: robot.wxid });
    await this.robots.delete({ id });
    this.changed();
    this.noted.delete(id);
    await this.store.remove(id);
    this.clients.forget(id);
    for (const listener of this.removedListeners) {
      try {
        listener(id);
      } catch (err) {
        this.logger.error({ err, robotId: id }, 'Robot deletion listener failed');
      }
    }
    this.logger.log({ actor, robotId: id }, 'Robot deleted');
  }

  /**
   * Calls `listener` after a robot was deleted through this instance (rows of other tables that reference it go with
   * it by their foreign key; this is for what other modules keep in memory). Returns the function that stops it.
   */
  onRemoved(listener: (robotId: number) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  /** Live state merged with what the database knows of the account. */
  async status(id: number): Promise<RobotStatusResponseDto> {
    const robot = await this.entity(id);
    const live = (await this.store.get(id)) ?? emptyState(id, robot.status as RobotStatus);
    return toStatusDto(robot, live);
  }

  /** Changes a robot's live state; a status change is also written to the robots table. */
  async applyState(robotId: number, patch: RobotStatePatch): Promise<RobotLiveState> {
    const state = await this.store.update(robotId, patch);
    if (patch.status !== undefined) {
      await this.robots.update({ id: robotId }, { status: patch.status });
      this.changed();
    }
    return state;
  }

  /**
   * Changes the status only if the robot is still in one of `from` (a compare-and-set in the database), so a late
   * health check result cannot undo a logout that happened meanwhile. Returns whether the change was made.
   */
  async transition(
    robotId: number,
    from: RobotStatus[],
    patch: RobotStatePatch & { status: RobotStatus },
  ): Promise<boolean> {
    const res = await this.robots
      .createQueryBuilder()
      .update(RobotEntity)
      .set({ status: patch.status })
      .where('id = :id AND status IN (:...from)', { id: robotId, from })
      .execute();
    if (!res.affected) return false;
    this.changed();
    await this.store.update(robotId, patch);
    return true;
  }

  /** Saves what a login told us about the account. */
  async saveAccount(
    robotId: number,
    account: {
      appId?: string;
      wxid?: string | null;
      nickname?: string | null;
      avatarUrl?: string | null;
      callbackUrl?: string | null;
    },
  ): Promise<void> {
    const patch: Partial<RobotEntity> = {};
    for (const [k, v] of Object.entries(account)) if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
    if (Object.keys(patch).length) {
      await this.robots.update({ id: robotId }, patch).catch((err) => this.rethrowUnique(err));
      this.changed();
    }
  }

  /** The robot, for the callback hot path: may be up to HOT_TTL_MS old when another instance changed it. */
  findById(id: number): Promise<RobotEntity | null> {
    return this.hot.findById(id);
  }

  /** The robot of a Gewe device, for the webhook: may be up to HOT_TTL_MS old when another instance changed it. */
  findByAppId(appId: string): Promise<RobotEntity | null> {
    return this.hot.findByAppId(appId);
  }

  /** Forgets the hot-path copies (after any write to the robots table). */
  private changed(): void {
    this.hot.clear();
    this.writes++;
  }

  /** Grows with every write to the robots table through this instance: other caches of robot data compare it. */
  get revision(): number {
    return this.writes;
  }

  /** Every robot's id and token (one statement): what callback keys depend on. */
  keyedRobots(): Promise<KeyedRobot[]> {
    return this.robots.find({ select: { id: true, token: true } });
  }

  findByToken(token: string): Promise<RobotEntity[]> {
    return this.robots.find({ where: { token } });
  }

  /** A callback arrived for the robot: note when, and learn its wxid if the login did not tell. */
  async noteCallback(robot: RobotEntity, robotWxid: string | null): Promise<void> {
    // lastCallbackAt is shown in the robot's status: a write (two Redis round trips) per callback is not worth it
    const now = Date.now();
    if (now - (this.noted.get(robot.id) ?? 0) >= NOTE_EVERY_MS) {
      this.noted.set(robot.id, now);
      await this.store.update(robot.id, { lastCallbackAt: new Date(now).toISOString() });
    }
    if (!robot.wxid && robotWxid) await this.saveAccount(robot.id, { wxid: robotWxid });
  }

  /** The robots whose status says Gewe should be checked on (health checks). */
  findByStatus(statuses: RobotStatus[]): Promise<RobotEntity[]> {
    return this.robots.find({ where: statuses.map((status) => ({ status })) });
  }

  /** How many robots are in each status (every status present, zero when none): one grouped query. */
  async countByStatus(): Promise<Record<RobotStatus, number>> {
    const rows = await this.robots
      .createQueryBuilder('r')
      .select('r.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .groupBy('r.status')
      .getRawMany<{ status: string; n: string | number }>();
    const out = Object.fromEntries(ROBOT_STATUSES.map((s) => [s, 0])) as Record<RobotStatus, number>;
    for (const r of rows) if (r.status in out) out[r.status as RobotStatus] += Number(r.n);
    return out;
  }

  async assertAppIdFree(appId: string, exceptId?: number): Promise<void> {
    const other = await this.robots.findOne({ where: { appId }, select: { id: true } });
    if (other && other.id !== exceptId)
      throw conflict('APP_ID_TAKEN', `appId "${appId}" already belongs to robot ${other.id}`, {
        appId,
        robotId: other.id,
      });
  }

  webhookBase(): string {
    return this.guessedBase()?.url ?? (this.settings.get('gewe.callback_url') as string);
  }

  /** The guessed webhook base, or null when `gewe.callback_url` is set. */
  private guessedBase(): GuessedWebhookBase | null {
    return (this.settings.get('gewe.callback_url') as string)
      ? null
      : guessWebhookBase(this.config.backend.port, this.host);
  }

  /**
   * The URL Gewe must POST callbacks to for this robot, with the key of its webhook endpoint (robots sharing a token
   * share it). Null when the key cannot be shown: sealed with another backend.secret_key (rotate it).
   */
  async callbackUrl(robot: KeyedRobot): Promise<string | null> {
    const key = (await this.keys.keysOf([robot])).get(robot.id) ?? null;
    return key === null ? null : withKey(this.webhookBase(), key);
  }

  private async respond(r: RobotEntity, view: RobotView = FULL_VIEW): Promise<RobotResponseDto> {
    const key = view.callbackKey ? ((await this.keys.keysOf([r])).get(r.id) ?? null) : null;
    return this.toResponse(r, view, key, await this.statusReason(r));
  }

  /** The live state's reason for the robot's status, when that state is the status the robots table has. */
  private async statusReason(r: RobotEntity): Promise<string | null> {
    const live = await this.store.get(r.id);
    return live && live.status === r.status ? live.reason : null;
  }

  /** `key`: the robot's callback key, shown when the view allows (null: not known, see callbackUrl). */
  private toResponse(r: RobotEntity, view: RobotView, key: string | null, reason: string | null): RobotResponseDto {
    const guess = this.guessedBase();
    const base = guess?.url ?? (this.settings.get('gewe.callback_url') as string);
    const callbackUrl = view.callbackKey && key !== null ? withKey(base, key) : base;
    const warning = callbackUrlWarning(callbackUrl, {
      keyUnknown: view.callbackKey && key === null,
      guessedContainerAddress: guess?.containerAddress ?? false,
    });
    return {
      id: r.id,
      name: r.name,
      appId: r.appId,
      token: r.token ? '********' : null,
      baseUrl: r.baseUrl,
      downloadUrl: r.downloadUrl,
      callbackUrl,
      callbackKeyHidden: !view.callbackKey || key === null,
      ...(warning ? { callbackUrlWarning: CALLBACK_URL_WARNINGS[warning], callbackUrlWarningCode: warning } : {}),
      isGewe: r.isGewe,
      status: r.status as RobotStatus,
      statusReason: reason,
      statusReasonCode: reasonMessage(reason)?.code ?? null,
      statusReasonParams: reasonMessage(reason)?.params ?? null,
      wxid: r.wxid,
      nickname: r.nickname,
      avatarUrl: r.avatarUrl,
      config: parseConfig(r.config),
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  /**
   * Asks Gewe whether the token works (deviceList, which needs no appId). A token Gewe calls invalid is a 400; an
   * unreachable Gewe is a 502/504 (save anyway with ?verify=false); any other Gewe answer counts as accepted, since
   * not every deployment serves deviceList.
   */
  private async verifyToken(baseUrl: string, token: string, isGewe: boolean): Promise<void> {
    try {
      await this.clients.probe({ baseUrl, token, appId: null, isGewe }).login.deviceList();
    } catch (err) {
      if (err instanceof GeweTransportError && err.failure === 'refused')
        throw badRequest(
          'BASE_URL_REFUSED',
          'baseUrl resolves to a link-local or cloud-metadata address, which this server does not call (backend.allow_link_local_targets)',
        );
      if (err instanceof GeweApiError) {
        if (err.isTokenInvalid)
          throw badRequest('GEWE_TOKEN_INVALID', `token was rejected by Gewe: ${err.reason}`, {
            reason: err.reason,
          }).withPublicMessage('token was rejected by Gewe', ['reason']);
        this.logger.warn(
          { baseUrl, reason: err.reason },
          'Token probe answered an error that does not concern the token; accepted',
        );
        return;
      }
      throw err;
    }
  }

  private rethrowUnique(err: unknown): never {
    if (err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))
      throw conflict('APP_ID_TAKEN', 'appId already belongs to another robot');
    throw err;
  }
}

function tokenForNewHost() {
  return badRequest(
    'TOKEN_REQUIRED_FOR_NEW_HOST',
    'token must be given again when baseUrl points at another host (scheme, host or port): the stored token is only sent to the host it was saved for',
  );
}

export function parseConfig(raw: string | null): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toStatusDto(robot: RobotEntity, live: RobotLiveState): RobotStatusResponseDto {
  return {
    robotId: robot.id,
    status: live.status,
    reason: live.reason,
    reasonCode: reasonMessage(live.reason)?.code ?? null,
    reasonParams: reasonMessage(live.reason)?.params ?? null,
    qrcodeUrl: live.qrcodeUrl,
    qrImageBase64: live.qrImageBase64,
    expiresAt: live.expiresAt,
    scannedNickname: live.scannedNickname,
    scannedAvatarUrl: live.scannedAvatarUrl,
    wxid: robot.wxid,
    nickname: robot.nickname,
    avatarUrl: robot.avatarUrl,
    appId: robot.appId,
    lastSeenAt: live.lastSeenAt,
    lastCallbackAt: live.lastCallbackAt,
    callbackRegistered: live.callbackRegistered,
    callbackError: live.callbackError,
    callbackErrorCode: reasonMessage(live.callbackError)?.code ?? null,
    callbackErrorParams: reasonMessage(live.callbackError)?.params ?? null,
    updatedAt: live.updatedAt,
  };
}
