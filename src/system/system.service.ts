import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqliteFileWatch } from '../database/sqlite-file-watch';
import { AuditTrail } from '../audit/audit.service';
import { diffConfig } from '../audit/audit-mask';
import { APP_CONFIG, maskedConfig } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { LogLevel } from '../config/config-schema';
import { PACKAGE } from '../common/package-info';
import { Page } from '../common/dto/pagination.dto';
import { LogLevelService } from '../logging/log-level.service';
import { PluginSettingsStore } from '../plugin/plugin-settings.store';
import { RobotService } from '../robot/robot.service';
import { UserService } from '../user/user.service';
import { CONFIG_SOURCE } from './system.tokens';
import { LogEntry, queryLogs } from '../logging/log-reader';
import { RedisProbe } from './redis-probe';
import { RUNTIME_SETTING_NAMES } from '../settings/runtime-settings';
import { RuntimeSettingsService } from '../settings/runtime-settings.service';
import {
  DatabaseHealthDto,
  LogQueryDto,
  QueueHealthDto,
  SystemConfigResponseDto,
  SystemStatusResponseDto,
} from './dto/system.dto';

const STARTED_AT = new Date();

@Injectable()
export class SystemService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONFIG_SOURCE) private readonly configSource: string | null,
    private readonly dataSource: DataSource,
    private readonly redisProbe: RedisProbe,
    private readonly logLevel: LogLevelService,
    private readonly settings: RuntimeSettingsService,
    private readonly audit: AuditTrail,
    private readonly robots: RobotService,
    private readonly plugins: PluginSettingsStore,
    private readonly users: UserService,
    private readonly sqliteFile: SqliteFileWatch,
  ) {}

  async status(): Promise<SystemStatusResponseDto> {
    const [database, redis, queue, counts] = await Promise.all([
      this.databaseHealth(),
      this.redisProbe.redis(),
      this.queueHealth(),
      this.counts(),
    ]);
    return {
      version: PACKAGE.version,
      nodeVersion: process.version,
      startedAt: STARTED_AT.toISOString(),
      uptimeSeconds: Math.floor(process.uptime()),
      logLevel: this.logLevel.level,
      database,
      redis,
      queue,
      counts,
    };
  }

  async databaseHealth(): Promise<DatabaseHealthDto> {
    // SQLite answers even when its file was deleted (it writes into the unlinked file): look at the file first
    const gone = this.sqliteFile.check();
    if (gone)
      return {
        type: 'sqlite',
        status: 'down',
        code: gone.code,
        params: { file: gone.file },
        error:
          gone.code === 'DATABASE_FILE_DELETED'
            ? `the database file ${gone.file} was deleted while the service runs`
            : `the database file ${gone.file} was replaced while the service runs`,
      };
    const started = performance.now();
    try {
      await this.dataSource.query('SELECT 1');
      return { type: this.config.database.type, status: 'up', latencyMs: round(performance.now() - started) };
    } catch (err) {
      return {
        type: this.config.database.type,
        status: 'down',
        code: 'DATABASE_UNAVAILABLE',
        error: (err as Error).message,
      };
    }
  }

  private async queueHealth(): Promise<QueueHealthDto> {
    const q = this.config.queue;
    // The simple queue lives in this process: it is up whenever the service answers.
    if (q.queue_type === 'simple') return { type: 'simple', name: q.name, status: 'up' };
    return { type: 'advanced', name: q.name, ...(await this.redisProbe.broker()) };
  }

  private async counts() {
    const zero = { robots: 0, robotsOnline: 0, plugins: 0, pluginsEnabled: 0, users: 0 };
    try {
      // each count from the module that owns the table
      const [robots, plugins, users] = await Promise.all([
        this.robots.counts(),
        this.plugins.counts(),
        this.users.count(),
      ]);
      return {
        robots: robots.total,
        robotsOnline: robots.online,
        plugins: plugins.total,
        pluginsEnabled: plugins.enabled,
        users,
      };
    } catch {
      return zero; // the database section of the status says why
    }
  }

  async logs(q: LogQueryDto): Promise<Page<LogEntry>> {
    const { items, total } = await queryLogs(this.logLevel.file, q);
    return { items, total, page: q.page, limit: q.limit };
  }

  async setLogLevel(level: LogLevel, actor: string): Promise<LogLevel> {
    const before = this.logLevel.level;
    await this.settings.update({ 'logging.level': level }, actor);
    this.audit.note({ before, after: this.logLevel.level }, 'logging.level');
    return this.logLevel.level;
  }

  getConfig(): SystemConfigResponseDto {
    return { settings: this.settings.list(), file: maskedConfig(this.config), configFile: this.configSource };
  }

  async updateConfig(changes: Record<string, unknown>, actor: string): Promise<SystemConfigResponseDto> {
    const before = this.settingValues();
    const changed = await this.settings.update(changes, actor);
    // a sensitive setting shows as changed (masked), never with its value
    const secret = new Set(
      this.settings
        .list()
        .filter((s) => s.sensitive)
        .map((s) => s.name),
    );
    this.audit.note({ diff: diffConfig(before, this.settingValues(), secret) }, changed.join(',') || undefined);
    return this.getConfig();
  }

  private settingValues(): Record<string, unknown> {
    return Object.fromEntries(RUNTIME_SETTING_NAMES.map((name) => [name, this.settings.get(name)]));
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
