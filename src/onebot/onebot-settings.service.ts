import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AuthUser } from '../common/auth.decorators';
import { badRequest } from '../common/domain-error';
import { isUniqueViolation } from '../database/raw-sql';
import { EventBus } from '../live-events/event-bus';
import { RobotService } from '../robot/robot.service';
import type { OneBotSettingsResponseDto, OneBotSettingsUpdateDto } from './dto/onebot-settings.dto';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotSettingsEntity } from './onebot-settings.entity';
import { DEFAULT_SETTINGS, ID_MODES } from './onebot.types';
import type { HttpPostTarget, IdMode, OneBotSettings, ReverseWsTarget } from './onebot.types';

/** The relay topic a settings change is told to every instance on: `{ robotId, deleted? }`. */
export const SETTINGS_TOPIC = 'onebot.settings';
export const DEFAULT_RECONNECT_MS = 3000;
export const DEFAULT_POST_TIMEOUT_MS = 5000;
/** How long a cached read is used: a change is relayed at once, this only heals a relay that was lost. */
const CACHE_TTL_MS = 10_000;
/** A heartbeat interval is 0 (none) or at least this. */
export const MIN_HEARTBEAT_MS = 1000;

interface SettingsChange {
  robotId: number;
  deleted?: boolean;
}

/**
 * Per-robot OneBot settings (`onebot_settings`), cached, changes told to every instance. PART core.
 *
 * The cache holds one read per robot (for CACHE_TTL_MS); a change through any instance is relayed on the event bus
 * (SETTINGS_TOPIC), and each instance drops its copy, reads the row again and tells its listeners (the transports). A robot's row goes with
 * the robot (foreign key); its deletion is relayed the same way, and the listeners are told `null`.
 */
@Injectable()
export class OneBotSettingsService implements OnModuleDestroy {
  private readonly logger = new Logger(OneBotSettingsService.name);
  private readonly cache = new Map<number, { until: number; read: Promise<OneBotSettings> }>();
  private readonly listeners = new Set<(robotId: number, settings: OneBotSettings | null) => void>();
  private readonly stops: (() => void)[] = [];

  constructor(
    @InjectRepository(OneBotSettingsEntity) private readonly rows: Repository<OneBotSettingsEntity>,
    private readonly robots: RobotService,
    private readonly bus: EventBus,
    private readonly ids: OneBotIdStore,
  ) {
    this.stops.push(this.bus.onRelay(SETTINGS_TOPIC, (data) => this.changed(data)));
    this.stops.push(
      this.robots.onRemoved((robotId) =>
        this.bus.relay(SETTINGS_TOPIC, { robotId, deleted: true } satisfies SettingsChange),
      ),
    );
  }

  /** A robot's settings (the defaults when it has none). */
  get(robotId: number): Promise<OneBotSettings> {
    const hit = this.cache.get(robotId);
    if (hit && hit.until > Date.now()) return hit.read;
    const entry = { until: Date.now() + CACHE_TTL_MS, read: this.load(robotId) };
    this.cache.set(robotId, entry);
    entry.read.catch(() => {
      if (this.cache.get(robotId) === entry) this.cache.delete(robotId);
    });
    return entry.read;
  }

  /** Every robot whose OneBot is enabled (the transports start their reverse WebSockets from this). */
  async enabled(): Promise<OneBotSettings[]> {
    const rows = await this.rows.find({ where: { enabled: true } });
    return rows.map(toSettings).sort((a, b) => a.robotId - b.robotId);
  }

  /** Calls `listener` when a robot's settings changed on any instance (or the robot was deleted: `null`). */
  onChange(listener: (robotId: number, settings: OneBotSettings | null) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async view(robotId: number): Promise<OneBotSettingsResponseDto> {
    const robot = await this.robots.entity(robotId);
    return this.respond(await this.get(robotId), robot.wxid);
  }

  async update(robotId: number, dto: OneBotSettingsUpdateDto, actor: AuthUser): Promise<OneBotSettingsResponseDto> {
    const robot = await this.robots.entity(robotId);
    // merged with what is stored now, not with a cached copy another instance may have changed since
    const current = await this.load(robotId);
    const next = merge(current, dto);
    await this.save(next);
    this.cache.set(robotId, { until: Date.now() + CACHE_TTL_MS, read: Promise.resolve(next) });
    this.bus.relay(SETTINGS_TOPIC, { robotId } satisfies SettingsChange);
    this.logger.log(
      { actor: actor.username, robotId, fields: Object.keys(dto), enabled: next.enabled },
      'OneBot settings updated',
    );
    return this.respond(next, robot.wxid);
  }

  onModuleDestroy(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.listeners.clear();
  }

  private async load(robotId: number): Promise<OneBotSettings> {
    const row = await this.rows.findOne({ where: { robotId } });
    return row ? toSettings(row) : { robotId, ...structuredClone(DEFAULT_SETTINGS) };
  }

  private async save(s: OneBotSettings): Promise<void> {
    const values = toRow(s);
    const exists = await this.rows.findOne({ where: { robotId: s.robotId } });
    if (exists) {
      await this.rows.update({ robotId: s.robotId }, values);
      return;
    }
    try {
      await this.rows.insert({ robotId: s.robotId, ...values });
    } catch (err) {
      // another instance inserted the robot's first settings meanwhile: this write comes after it
      if (!isUniqueViolation(err)) throw err;
      await this.rows.update({ robotId: s.robotId }, values);
    }
  }

  private changed(data: unknown): void {
    const change = data as Partial<SettingsChange> | null;
    if (!change || typeof change.robotId !== 'number') return;
    const robotId = change.robotId;
    this.cache.delete(robotId);
    if (!this.listeners.size) return;
    if (change.deleted) return this.tell(robotId, null);
    this.get(robotId).then(
      (s) => this.tell(robotId, s),
      (err: Error) => this.logger.warn({ robotId, error: err.message }, 'OneBot settings: reading a change failed'),
    );
  }

  private tell(robotId: number, settings: OneBotSettings | null): void {
    for (const listener of this.listeners) {
      try {
        listener(robotId, settings);
      } catch (err) {
        this.logger.error({ err, robotId }, 'OneBot settings listener failed');
      }
    }
  }

  private async respond(s: OneBotSettings, wxid: string | null): Promise<OneBotSettingsResponseDto> {
    const path = `/onebot/v11/${s.robotId}`;
    return {
      robotId: s.robotId,
      enabled: s.enabled,
      idMode: s.idMode,
      forwardWs: s.forwardWs,
      reverseWs: s.reverseWs.map((t) => ({
        url: t.url,
        accessTokenSet: !!t.accessToken,
        reconnectIntervalMs: t.reconnectIntervalMs,
      })),
      httpPost: s.httpPost.map((t) => ({ url: t.url, secretSet: !!t.secret, timeoutMs: t.timeoutMs })),
      postSelf: s.postSelf,
      heartbeatIntervalMs: s.heartbeatIntervalMs,
      wsPath: path,
      httpPath: path,
      selfId: wxid ? await this.ids.mapper(s.robotId, s.idMode).user(wxid) : null,
    };
  }
}

/**
 * The settings a PUT makes: the fields given replace the stored ones. A target given without its access token or
 * secret keeps the one stored for the same URL; `null` clears it.
 */
export function merge(current: OneBotSettings, dto: OneBotSettingsUpdateDto): OneBotSettings {
  if (
    dto.heartbeatIntervalMs !== undefined &&
    dto.heartbeatIntervalMs > 0 &&
    dto.heartbeatIntervalMs < MIN_HEARTBEAT_MS
  )
    throw badRequest(
      'ONEBOT_HEARTBEAT_TOO_SHORT',
      `heartbeatIntervalMs must be 0 (no heartbeat) or at least ${MIN_HEARTBEAT_MS}`,
      { field: 'heartbeatIntervalMs', limit: MIN_HEARTBEAT_MS },
    );
  unique('reverseWs', dto.reverseWs);
  unique('httpPost', dto.httpPost);
  const reverseWs: ReverseWsTarget[] | undefined = dto.reverseWs?.map((t) => ({
    url: t.url,
    accessToken:
      t.accessToken === undefined
        ? (current.reverseWs.find((c) => c.url === t.url)?.accessToken ?? null)
        : t.accessToken || null,
    reconnectIntervalMs: t.reconnectIntervalMs ?? DEFAULT_RECONNECT_MS,
  }));
  const httpPost: HttpPostTarget[] | undefined = dto.httpPost?.map((t) => ({
    url: t.url,
    secret: t.secret === undefined ? (current.httpPost.find((c) => c.url === t.url)?.secret ?? null) : t.secret || null,
    timeoutMs: t.timeoutMs ?? DEFAULT_POST_TIMEOUT_MS,
  }));
  return {
    robotId: current.robotId,
    enabled: dto.enabled ?? current.enabled,
    idMode: dto.idMode ?? current.idMode,
    forwardWs: dto.forwardWs ?? current.forwardWs,
    reverseWs: reverseWs ?? current.reverseWs,
    httpPost: httpPost ?? current.httpPost,
    postSelf: dto.postSelf ?? current.postSelf,
    heartbeatIntervalMs: dto.heartbeatIntervalMs ?? current.heartbeatIntervalMs,
  };
}

function unique(field: 'reverseWs' | 'httpPost', targets: readonly { url: string }[] | undefined): void {
  const seen = new Set<string>();
  for (const t of targets ?? []) {
    if (seen.has(t.url))
      throw badRequest('ONEBOT_TARGET_DUPLICATE', `${field} lists ${t.url} more than once`, { field, url: t.url });
    seen.add(t.url);
  }
}

function toSettings(row: OneBotSettingsEntity): OneBotSettings {
  return {
    robotId: row.robotId,
    enabled: !!row.enabled,
    idMode: (ID_MODES as readonly string[]).includes(row.idMode) ? row.idMode : DEFAULT_SETTINGS.idMode,
    forwardWs: !!row.forwardWs,
    reverseWs: list<ReverseWsTarget>(row.reverseWs).map((t) => ({
      url: String(t.url),
      accessToken: typeof t.accessToken === 'string' && t.accessToken ? t.accessToken : null,
      reconnectIntervalMs: Number(t.reconnectIntervalMs) || DEFAULT_RECONNECT_MS,
    })),
    httpPost: list<HttpPostTarget>(row.httpPost).map((t) => ({
      url: String(t.url),
      secret: typeof t.secret === 'string' && t.secret ? t.secret : null,
      timeoutMs: Number(t.timeoutMs) || DEFAULT_POST_TIMEOUT_MS,
    })),
    postSelf: !!row.postSelf,
    heartbeatIntervalMs: Number(row.heartbeatIntervalMs),
  };
}

function toRow(s: OneBotSettings): Omit<OneBotSettingsEntity, 'robotId' | 'robot' | 'createdAt' | 'updatedAt'> {
  return {
    enabled: s.enabled,
    idMode: s.idMode satisfies IdMode,
    forwardWs: s.forwardWs,
    reverseWs: JSON.stringify(s.reverseWs),
    httpPost: JSON.stringify(s.httpPost),
    postSelf: s.postSelf,
    heartbeatIntervalMs: s.heartbeatIntervalMs,
  };
}

function list<T>(json: string | null): Partial<T>[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Partial<T>[]) : [];
  } catch {
    return [];
  }
}
